/**
 * The terminal tests run the built CLI under util-linux's `script`, which gives it a real pty.
 * They fail, never skip, when `script` is missing, saying how to get it (Debian: bsdutils).
 */
import { spawnSync } from "node:child_process";

export function requireScript(): void {
  const probe = spawnSync("script", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `the terminal tests need util-linux's "script" (${probe.error?.message ?? `exit ${probe.status}`}); install it: apt-get install -y bsdutils`,
    );
  }
}
