/**
 * @foliox/fs-f2fs: f2fs data pages as a foliox backend (filemap_migrate_folio, the page-private
 * flag word moved as a whole), and the fallback path as a second backend (no ->migrate_folio:
 * fallback_migrate_folio, v6.12 or ≥6.16 behaviour by the system's kernel option).
 * `registerF2fs(container)` / `registerFallback(container)` add them to one system's container.
 */
import "reflect-metadata";
import type { DependencyContainer } from "tsyringe";
import { registerBackend } from "@foliox/core";
import { F2fsBackend } from "./f2fs-backend.js";
import { FallbackBackend } from "./fallback-backend.js";

export { F2fsBackend, F2FS_MANIFEST, f2fsSbInfo, type F2fsSbInfo } from "./f2fs-backend.js";
export { FallbackBackend, FALLBACK_MANIFEST, FALLBACK_PRIVATE_BUFFERS, FALLBACK_PRIVATE_PINNED, fallbackAttachPrivate } from "./fallback-backend.js";
export * from "./page-private.js";
export { f2fsIocStartAtomicWrite, f2fsIsAtomicFile, f2fsWritePage } from "./atomic.js";
export { f2fsFixtureFor, fallbackFixtureFor } from "./fixture.js";

export function registerF2fs(container: DependencyContainer): void {
  registerBackend(container, F2fsBackend);
}

export function registerFallback(container: DependencyContainer): void {
  registerBackend(container, FallbackBackend);
}
