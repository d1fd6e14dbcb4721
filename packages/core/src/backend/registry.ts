/**
 * The backends registered in one system, and the lookup from a folio to the backend that owns
 * it (the kernel's folio_mapping(folio)->a_ops). Built once per system by the container from
 * every BACKENDS registration, in registration order.
 */
import "reflect-metadata";
import { injectAll, injectable } from "tsyringe";
import type { Kernel } from "../kernel/kernel.js";
import { BACKENDS } from "../tokens.js";
import type { Backend } from "./contract.js";

@injectable()
export class BackendRegistry {
  private readonly names = new Map<string, Backend>();

  constructor(@injectAll(BACKENDS) readonly all: readonly Backend[]) {
    for (const b of all) {
      if (this.names.has(b.manifest.name)) throw new Error(`backend "${b.manifest.name}" is registered twice`);
      this.names.set(b.manifest.name, b);
    }
  }

  byName(name: string): Backend | undefined {
    return this.names.get(name);
  }

  /** The backend that owns a folio, or undefined. */
  forFolio(k: Kernel, head: number): Backend | undefined {
    for (const b of this.all) if (b.owns(k, head)) return b;
    return undefined;
  }
}
