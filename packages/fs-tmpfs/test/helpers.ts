/** Shared checks for the tmpfs unit tests. */
import { expect } from "vitest";
import { checkIntegrity, checkInvariants, type Kernel } from "@foliox/core";

/** Invariants hold at rest and every page's data is where its mappings say, labelled by `when`. */
export function healthy(k: Kernel, when: string): void {
  expect(checkInvariants(k, { quiescent: true }), when).toEqual([]);
  expect(checkIntegrity(k).violations, when).toEqual([]);
}
