/**
 * Every importer error names the file and the line, says what was expected and shows what was
 * there: `trace.lackey:17: expected "<op> <hex addr>,<size>", got " X 0400,4"`.
 */
import { latin1 } from "./bytes.js";

export class TraceParseError extends Error {
  override name = "TraceParseError";
  constructor(
    /** the file as the caller named it */
    readonly file: string,
    /** 1-based line number (of the decompressed text for gzip and zlib files) */
    readonly line: number,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${file}:${line}: expected ${expected}, got ${got}`);
  }
}

const MAX_SHOWN = 80;

/** Quote a line (or part of one) for an error message, truncated and with control bytes escaped. */
export function quoteTraceText(text: string): string {
  const cut = text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN) + "…" : text;
  return JSON.stringify(cut);
}

/** Quote bytes [start, end) of a line (Latin-1, so any byte sequence shows as something). */
export function quoteTraceBytes(buf: Uint8Array, start: number, end: number): string {
  return quoteTraceText(latin1(buf, start, Math.min(end, start + 4 * MAX_SHOWN)));
}
