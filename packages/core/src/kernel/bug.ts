/**
 * BUG()/VM_BUG_ON(): a broken kernel invariant. In foliox it throws, so that a test sees the
 * exact place where the model was driven into a state the kernel forbids.
 */
export class KernelBug extends Error {
  override name = "KernelBug";
}

export function vmBugOn(condition: boolean, what: string): void {
  if (condition) throw new KernelBug(`VM_BUG_ON: ${what}`);
}

/**
 * VM_BUG_ON whose message is built only when it fires, for hot paths: `if (cond) vmBug(`…`)`.
 * vmBugOn(cond, `…${pfn}…`) would build the string on every call.
 */
export function vmBug(what: string): never {
  throw new KernelBug(`VM_BUG_ON: ${what}`);
}
