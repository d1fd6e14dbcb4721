/**
 * A sweep run's key: the SHA-256 of its inputs — the resolved scenario (stack, seed, epochs,
 * fast-tier size, costs and LLC applied), the trace's content hash and format, the plugins'
 * names and module hashes, and the foliox version — as canonical JSON (object keys sorted), so
 * the key depends on what the run computes and on nothing else: not on file paths, not on the
 * order a file lists its fields in, not on the machine. Runs are deterministic, so one key is
 * one result wherever it ran; resuming and merging rely on that.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** Bumped when what goes into a key changes, so old results are not taken for new runs. */
export const KEY_FORMAT = 1;

export const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** JSON.stringify with every object's keys sorted (undefined fields dropped, as JSON does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = (v as Record<string, unknown>)[k];
    return out;
  });
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The SHA-256 of a file's bytes, read as a stream (traces may be large). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export interface KeyInputs {
  foliox: string;
  scenario: unknown;
  trace: { sha256: string; format: string } | null;
  plugins: { name: string; sha256: string }[];
}

export function runKey(inputs: KeyInputs): string {
  return sha256Hex(canonicalJson({ keyFormat: KEY_FORMAT, ...inputs }));
}
