/** Byte sizes in configs: a number of bytes, or a string such as "64MiB", "4 KiB", "1GiB", "512K". */
const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
  p: 1024 ** 5,
  pb: 1024 ** 5,
  pib: 1024 ** 5,
  e: 1024 ** 6,
  eb: 1024 ** 6,
  eib: 1024 ** 6,
};

/** The largest byte count a number holds exactly (2^53 − 1, just under 8 PiB): sizes past it are "too large", never "not a multiple". */
export const MAX_SIZE_BYTES = Number.MAX_SAFE_INTEGER;

/**
 * Parse a size; returns NaN when the text is not a size. Units are binary (KiB = 1024). A size
 * too large for a number to hold exactly comes back as it is (above MAX_SIZE_BYTES): the
 * caller says it is too large.
 */
export function parseSize(value: number | string): number {
  if (typeof value === "number") return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return NaN;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return NaN;
  return Math.round(Number(m[1]) * unit);
}

/** "64 MiB" style, for messages. */
export function formatSize(bytes: number): string {
  for (const [u, n] of [
    ["EiB", 1024 ** 6],
    ["PiB", 1024 ** 5],
    ["TiB", 1024 ** 4],
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n} ${u}`;
  }
  return `${bytes} B`;
}
