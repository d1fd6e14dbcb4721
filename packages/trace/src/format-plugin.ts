/**
 * Trace formats a plugin adds (definePlugin({ traceFormats })): a name, a one-line description,
 * a line-oriented parser like the built-in importers', and optionally a detector. readTrace()
 * takes them with `formats`: a format named by --format is parsed with its parser, and
 * auto-detection asks the plugins' detectors only when no built-in format matched. A plugin
 * cannot take a built-in format's name.
 */
import { TRACE_FORMAT_NAMES, type TraceLineParser, type TraceReadOptions, type TraceReadStats } from "./types.js";

export interface TraceFormatDefinition {
  /** what --format takes, e.g. "memtrace" */
  readonly name: string;
  /** one line for help texts */
  readonly description: string;
  /** does the start of the (decompressed) file, up to 64 KiB of text, look like this format? */
  detect?(head: string): boolean;
  /**
   * A parser for one file. It appends entries to the batch it is handed, with t, pid, addr,
   * write, size and weight set (TraceBatch.push), and throws TraceParseError(file, line, ...)
   * for a line it cannot read.
   */
  createParser(file: string, stats: TraceReadStats, options: TraceReadOptions): TraceLineParser;
}

/** What is wrong with a plugin's trace format (empty: nothing). `taken` are names in use. */
export function traceFormatProblems(def: unknown, taken: readonly string[] = TRACE_FORMAT_NAMES): string[] {
  if (typeof def !== "object" || def === null)
    return [`a trace format is an object { name, description, createParser }, got ${def === null ? "null" : typeof def}`];
  const d = def as Record<string, unknown>;
  const out: string[] = [];
  const name = d["name"];
  if (typeof name !== "string" || !/^[a-z][a-z0-9-]*$/.test(name))
    out.push(`name must be a lower-case word (what --format takes), got ${JSON.stringify(name)}`);
  else if (taken.includes(name)) out.push(`"${name}" is a trace format already; give it another name`);
  if (typeof d["description"] !== "string") out.push("description must be a string (one line for help texts)");
  if (typeof d["createParser"] !== "function") out.push("createParser(file, stats, options) must be a function returning a line parser");
  if (d["detect"] !== undefined && typeof d["detect"] !== "function") out.push("detect, if given, must be a function (head: string) => boolean");
  return out;
}
