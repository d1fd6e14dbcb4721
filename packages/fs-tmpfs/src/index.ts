/**
 * @foliox/fs-tmpfs: tmpfs/shmem as a foliox backend. `registerTmpfs(container)` adds it to one
 * system's container; mount it with mountTmpfs(k, { huge: "always" }) or mountFs(k, "tmpfs").
 */
import "reflect-metadata";
import type { DependencyContainer } from "tsyringe";
import { registerBackend } from "@foliox/core";
import { TmpfsBackend } from "./shmem.js";

export {
  TmpfsBackend,
  TMPFS_MANIFEST,
  mountTmpfs,
  shmemAllocHuge,
  shmemRead,
  shmemSbInfo,
  shmemWrite,
  shmemZeroSetup,
  type ShmemSbInfo,
  type TmpfsMountOptions,
} from "./shmem.js";
export { tmpfsFixtureFor } from "./fixture.js";

/** Options for registerTmpfs (none yet: mount options are per mount). */
export type TmpfsRegisterOptions = Record<string, never>;

export function registerTmpfs(container: DependencyContainer, _opts?: TmpfsRegisterOptions): void {
  registerBackend(container, TmpfsBackend);
}
