/**
 * The backends registered in one system, and the lookup from a folio to the backend that owns
 * it (the kernel's folio_mapping(folio)->a_ops).
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Backend } from "./contract.js";

export class BackendRegistry {
  constructor(readonly all: readonly Backend[]) {
    const names = new Set<string>();
    for (const b of all) {
      if (names.has(b.manifest.name)) throw new Error(`backend "${b.manifest.name}" is registered twice`);
      names.add(b.manifest.name);
    }
  }

  byName(name: string): Backend | undefined {
    return this.all.find((b) => b.manifest.name === name);
  }

  /** The backend that owns a folio, or undefined. */
  forFolio(k: Kernel, head: number): Backend | undefined {
    for (const b of this.all) if (b.owns(k, head)) return b;
    return undefined;
  }
}
