/** A candidate patch: a named switch the model consults with `patched(name)`, and where it came from. */
export interface Patch {
  readonly name: string;
  /** The commit or mail subject. */
  readonly title: string;
  /** Mainline commit id when it landed, else null. */
  readonly commit: string | null;
  readonly landed: boolean;
  /** Who proposed it and where. */
  readonly source: string;
  /** What the switch changes in the model, with the kernel lines it touches. */
  readonly effect: string;
}
