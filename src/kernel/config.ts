/**
 * Kernel configuration and the candidate patches in force for a run.
 *
 * Module state, like the kernel's own CONFIG_* symbols: set once by a scenario before a run (never
 * during an execution), read by model code. Every field documents its default and the CLI flag that sets it.
 */

export interface KernelConfig {
  /** CONFIG_DEBUG_VM: VM_BUG_ON* checks are compiled in. Default true; `--no-debug-vm` clears it. */
  readonly DEBUG_VM: boolean;
  /** HPAGE_PMD_NR: subpages of a THP (512 on x86-64). Default 4; `--hpage-nr`. A power of two ≥ 2. */
  readonly HPAGE_PMD_NR: number;
  /**
   * XA_CHUNK_SHIFT: log2 of the slots in an XArray node (6 in the kernel). Default: chosen so that a THP
   * spans two leaf nodes (log2(HPAGE_PMD_NR) - 1, at most 6), as a 512-page THP spans 8 leaves of 64.
   */
  readonly XA_CHUNK_SHIFT: number;
  /** CONFIG_READ_ONLY_THP_FOR_FS: khugepaged may collapse regular-file text. Always true here. */
  readonly READ_ONLY_THP_FOR_FS: boolean;
}

export function defaultChunkShift(hpageNr: number): number {
  return Math.max(1, Math.min(6, Math.log2(hpageNr) - 1));
}

export function makeConfig(opts: Partial<KernelConfig> = {}): KernelConfig {
  const HPAGE_PMD_NR = opts.HPAGE_PMD_NR ?? 4;
  return {
    DEBUG_VM: opts.DEBUG_VM ?? true,
    HPAGE_PMD_NR,
    XA_CHUNK_SHIFT: opts.XA_CHUNK_SHIFT ?? defaultChunkShift(HPAGE_PMD_NR),
    READ_ONLY_THP_FOR_FS: opts.READ_ONLY_THP_FOR_FS ?? true,
  };
}

/** The configuration in force. */
export const kconfig: { current: KernelConfig; patches: ReadonlySet<string> } = {
  current: makeConfig(),
  patches: new Set(),
};

/** Sets the configuration and patch set for the next executions. */
export function configure(config: KernelConfig, patches: Iterable<string>): void {
  kconfig.current = config;
  kconfig.patches = new Set(patches);
}

/** Whether the candidate patch `name` (see src/kernel/patches/) is applied. */
export function patched(name: string): boolean {
  return kconfig.patches.has(name);
}

export function IS_ENABLED_DEBUG_VM(): boolean {
  return kconfig.current.DEBUG_VM;
}

export function HPAGE_PMD_NR(): number {
  return kconfig.current.HPAGE_PMD_NR;
}

/** HPAGE_PMD_ORDER = log2(HPAGE_PMD_NR). */
export function HPAGE_PMD_ORDER(): number {
  return Math.log2(kconfig.current.HPAGE_PMD_NR);
}
