/** The kernel log of the current execution (WARNs, bad_page lines), reset by each scenario setup. */
export const klog: string[] = [];

export function printk(line: string): void {
  klog.push(line);
}

export function resetLog(): void {
  klog.length = 0;
}
