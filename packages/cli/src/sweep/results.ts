/**
 * DIR/results.jsonl: one JSON line per finished run, `{"key", "inputs", "result"}`, where
 * `result` is what `foliox run --json` prints for that run. Lines are appended as runs finish,
 * each in one write, so a run killed mid-sweep leaves whole lines and at most one unfinished
 * last line (no newline yet); reading ignores that line, and a sweep that resumes cuts it off
 * before appending. Any other line that is not a result is damage, reported with its line
 * number rather than guessed around.
 */
import { closeSync, existsSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { KEY_PATTERN } from "./key.js";

export const RESULTS_FILE = "results.jsonl";

/** A results file that is not one; the message names the file, the line and what to do. */
export class ResultsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResultsFileError";
  }
}

export interface ResultLine {
  key: string;
  /** the line as written, without its newline */
  text: string;
  /** 1-based, for messages */
  line: number;
  /** the result part, re-serialized: equal for equal results */
  result: string;
  /** accesses the run dropped for want of memory (its counters.oom) */
  oom: number;
}

export interface ResultsText {
  lines: ResultLine[];
  /** the unfinished last line's byte offset, if there is one */
  unfinishedAt: number | null;
}

/** Parse a results file's text. */
export function parseResults(text: string, file: string): ResultsText {
  const lines: ResultLine[] = [];
  let start = 0;
  let n = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    if (end < 0) break;
    n++;
    const t = text.slice(start, end);
    start = end + 1;
    if (t.trim() === "") continue;
    lines.push(parseLine(t, file, n));
  }
  const unfinishedAt = start < text.length ? Buffer.byteLength(text.slice(0, start)) : null;
  return { lines, unfinishedAt };
}

function parseLine(text: string, file: string, line: number): ResultLine {
  const damaged = (why: string) =>
    new ResultsFileError(
      `${file}:${line}: not a result of foliox sweep (${why}); the file was edited or damaged: remove that line (its run is then done again) or pass another file`,
    );
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw damaged(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw damaged("not a JSON object");
  const o = v as Record<string, unknown>;
  if (typeof o.key !== "string" || !KEY_PATTERN.test(o.key)) throw damaged('no "key" of 64 hex digits');
  if (typeof o.result !== "object" || o.result === null) throw damaged('no "result" object');
  const oom = (o.result as { counters?: { oom?: unknown } }).counters?.oom;
  return { key: o.key, text, line, result: JSON.stringify(o.result), oom: typeof oom === "number" ? oom : 0 };
}

/** Read a results file; a missing file has no lines. */
export function readResults(file: string): ResultsText {
  if (!existsSync(file)) return { lines: [], unfinishedAt: null };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ResultsFileError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseResults(text, file);
}

/** One result line: its key, its inputs, and the run's JSON (already serialized by the worker). */
export function formatResultLine(key: string, inputs: unknown, resultJson: string): string {
  return `{"key":${JSON.stringify(key)},"inputs":${JSON.stringify(inputs)},"result":${resultJson}}\n`;
}

export interface ResultsWriter {
  append(line: string): void;
  close(): void;
}

/**
 * Open a results file to append to, after cutting off an unfinished last line (a killed run's),
 * so the next line starts on a line of its own.
 */
export function openResultsForAppend(file: string, unfinishedAt: number | null): ResultsWriter {
  if (unfinishedAt !== null) truncateSync(file, unfinishedAt);
  const fd = openSync(file, "a");
  return {
    append(line) {
      // one write per line (a regular file takes it whole): a kill leaves whole lines and at most one unfinished last one
      const buf = Buffer.from(line);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    },
    close() {
      closeSync(fd);
    },
  };
}
