/**
 * `foliox trace inspect FILE` and `foliox trace convert FILE --to csv|jsonl [-o OUT]`: read a
 * memory-access trace with @foliox/trace's importers (valgrind lackey, Intel Pin pinatrace,
 * perf script of perf mem, damo JSON, canonical CSV/JSONL; plain, gzip or zlib) and summarize
 * it, or write it in the canonical format. A progress bar with an ETA on a TTY's stderr.
 * `-o OUT` is checked before the file is read, written to OUT.partial-PID and renamed into
 * place at the end; a failure or Ctrl-C removes the partial file. Writing to stdout, a reader
 * that goes away (`| head`) ends the command quietly (signals.ts).
 *
 * Exit status (exit.ts): 0 on success; 2 when the file cannot be read or is not a valid trace
 * (the message names the file and the line), when -o cannot be written, and for a usage error
 * (unknown option, bad --format, …); 1 when writing the output fails midway.
 */
import { basename } from "node:path";
import { createWriteStream, renameSync, rmSync, type WriteStream } from "node:fs";
import { createGzip, type Gzip } from "node:zlib";
import { InvalidArgumentError, type Command } from "@commander-js/extra-typings";
import {
  convertTrace,
  summarizeTrace,
  TRACE_FORMATS,
  TRACE_FORMAT_NAMES,
  TRACE_OUTPUT_FORMATS,
  type TraceFormat,
  type TraceOutputFormat,
  type TracePerfWeight,
  type TraceSummary,
} from "@foliox/trace";
import { EXIT_FAILURE, EXIT_USAGE } from "../exit.js";
import { cannotWrite, checkOutputFile, OutputPathError } from "../output-path.js";
import { formatJson } from "../render/json.js";
import { onInterrupt } from "../signals.js";
import { traceProgress } from "../trace-progress.js";
import type { CommandContext } from "./context.js";

/** A trace that cannot be read or is not valid: an input error. */
export const EXIT_BAD_TRACE = EXIT_USAGE;

const PERF_WEIGHTS: Record<TracePerfWeight, string> = {
  period: "the sample period (each sample stands for `period` accesses)",
  weight: "perf's weight field (load latency in cycles on Intel)",
  one: "1 per sample",
};

/** --format F: a trace format, or auto. */
export function parseTraceFormat(value: string): TraceFormat | "auto" {
  const v = value.trim().toLowerCase();
  if (v === "auto" || (TRACE_FORMAT_NAMES as string[]).includes(v)) return v as TraceFormat | "auto";
  throw new InvalidArgumentError(`pass one of ${TRACE_FORMAT_NAMES.join(", ")} or auto (the default: detected from the first bytes)`);
}

/** --to F: csv, jsonl or bin. */
export function parseOutputFormat(value: string): TraceOutputFormat {
  const v = value.trim().toLowerCase();
  if ((TRACE_OUTPUT_FORMATS as string[]).includes(v)) return v as TraceOutputFormat;
  throw new InvalidArgumentError(
    `pass --to csv (header t,pid,addr,op,size[,weight]), --to jsonl (one JSON object per line) or --to bin (binary records, fastest to replay; needs -o)`,
  );
}

/** --perf-weight W. */
export function parsePerfWeight(value: string): TracePerfWeight {
  const v = value.trim().toLowerCase();
  if (v in PERF_WEIGHTS) return v as TracePerfWeight;
  throw new InvalidArgumentError(
    `pass ${Object.entries(PERF_WEIGHTS)
      .map(([k, what]) => `--perf-weight ${k} (${what})`)
      .join(", or ")}`,
  );
}

/** --top N: 0..1000. */
export function parseTop(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 1000)) throw new InvalidArgumentError("pass an integer from 0 to 1000, e.g. --top 10");
  return n;
}

const FORMAT_HELP = `trace format: ${TRACE_FORMAT_NAMES.join(", ")}, or auto (detected from the first bytes)`;
const FORMATS_TEXT =
  "\nFormats (gzip and zlib files are decompressed on the fly):\n" +
  Object.entries(TRACE_FORMATS)
    .map(([k, what]) => `  ${k.padEnd(7)} ${what}`)
    .join("\n") +
  "\n\nExit status: 0 on success; 2 if the file cannot be read or is not a valid trace (the message\n" +
  "names the file and line and says what was expected), if -o cannot be written, or for a usage\n" +
  "error; 1 if writing the output fails midway.\n";

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

function ns(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(3)} s`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(3)} ms`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(3)} us`;
  return `${n} ns`;
}

export function renderTraceSummary(s: TraceSummary): string {
  const rows: [string, string][] = [];
  rows.push(["trace", `${s.file} (${s.format}${s.compression === "none" ? "" : `, ${s.compression}`})`]);
  rows.push(["lines", `${s.lines}${s.skippedLines > 0 ? ` (${s.skippedLines} skipped: blank, comment, header, banner or callchain)` : ""}`]);
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  let acc = `${s.accesses}: ${plural(s.loads, "load")}, ${plural(s.stores, "store")}`;
  if (s.modifies > 0) acc += ` (${s.modifies} modify lines, each a load and a store)`;
  rows.push(["accesses", acc]);
  if (s.instructions > 0) {
    rows.push([
      "instructions",
      s.instructionsIncluded
        ? `${s.instructions} fetches, included as loads`
        : `${s.instructions} fetches, not included (pass --instructions to replay them as loads)`,
    ]);
  }
  if (s.idleRegions > 0) rows.push(["idle regions", `${s.idleRegions} (nr_accesses 0, not emitted)`]);
  rows.push(["weight", `${s.weight} (${s.weightMeaning})`]);
  rows.push(["pages", `${s.distinctPages} distinct 4 KiB pages (${bytes(s.distinctPages * 4096)})`]);
  rows.push(["addresses", s.addrMin === null ? "none" : `${hex(s.addrMin)} .. ${hex(s.addrMax!)} (span ${bytes(s.addrMax! - s.addrMin + 1)})`]);
  const pids = s.pids.length > 16 ? `${s.pids.slice(0, 16).join(", ")}, … (${s.pids.length}${s.pidsTruncated ? "+" : ""} pids)` : s.pids.join(", ");
  rows.push(["pids", pids === "" ? "none" : pids]);
  rows.push(["time", s.tMin === null ? "none" : `${s.tMin} .. ${s.tMax} ns (span ${ns(s.tMax! - s.tMin)}; ${s.timeMeaning})`]);
  const w = Math.max(...rows.map(([k]) => k.length)) + 2;
  let out = rows.map(([k, v]) => `${`${k}:`.padEnd(w)}${v}\n`).join("");
  if (s.topPages.length > 0) {
    out += `top pages (by weight):\n`;
    const a = s.topPages.map((p) => [hex(p.addr), String(p.accesses), String(p.weight)] as const);
    const wa = Math.max(4, ...a.map((r) => r[0].length));
    const wb = Math.max(8, ...a.map((r) => r[1].length));
    out += `  ${"page".padEnd(wa)}  ${"accesses".padStart(wb)}  weight\n`;
    for (const [addr, n, wt] of a) out += `  ${addr.padEnd(wa)}  ${n.padStart(wb)}  ${wt}\n`;
  }
  return out;
}

/** Writing the output failed (after the input was found good): a failure of the run. */
class OutputWriteError extends Error {
  constructor(path: string, cause: unknown) {
    super(cannotWrite(path, cause));
    this.name = "OutputWriteError";
  }
}

function failure(ctx: CommandContext, cmd: string, err: unknown): void {
  const e = err as NodeJS.ErrnoException;
  let msg = err instanceof Error ? err.message : String(err);
  if (!(err instanceof OutputWriteError) && e && typeof e.code === "string" && typeof e.path === "string") {
    msg = `cannot read ${e.path}: ${e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "it is a directory" : e.message}`;
  }
  ctx.writeErr(`foliox trace ${cmd}: ${msg}\n`);
  ctx.exitCode = err instanceof OutputWriteError ? EXIT_FAILURE : EXIT_BAD_TRACE;
}

/**
 * A file sink with backpressure, gzip when the name ends in .gz, written to PATH.partial-PID and
 * renamed into place on success. Its errors are OutputWriteErrors naming PATH.
 */
class FileSink {
  private readonly tmp: string;
  private readonly file: WriteStream;
  private readonly gz: Gzip | undefined;
  private error: Error | undefined;

  constructor(private readonly path: string) {
    this.tmp = `${path}.partial-${process.pid}`;
    this.file = createWriteStream(this.tmp);
    this.file.on("error", (e) => (this.error ??= e));
    if (path.endsWith(".gz")) {
      this.gz = createGzip();
      this.gz.on("error", (e) => (this.error ??= e));
      this.gz.pipe(this.file);
    }
  }

  private check(): void {
    if (this.error) throw new OutputWriteError(this.path, this.error);
  }

  /** Until `s` drains or the file fails; every listener it adds it removes (no MaxListeners leak). */
  private drained(s: NodeJS.WritableStream): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        s.off("drain", done);
        this.file.off("error", done);
        this.gz?.off("error", done);
        resolve();
      };
      s.on("drain", done);
      this.file.on("error", done);
      this.gz?.on("error", done);
    });
  }

  async write(text: string | Buffer): Promise<void> {
    this.check();
    const s = this.gz ?? this.file;
    if (!s.write(text)) await this.drained(s);
    this.check();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.file.once("close", resolve));
    (this.gz ?? this.file).end();
    await closed;
    this.check();
    try {
      renameSync(this.tmp, this.path);
    } catch (err) {
      throw new OutputWriteError(this.path, err);
    }
  }

  abort(): void {
    this.gz?.destroy();
    this.file.destroy();
    rmSync(this.tmp, { force: true });
  }
}

export function registerTraceCommand(program: Command, ctx: CommandContext): void {
  const trace = program
    .command("trace")
    .description("inspect a memory-access trace, or convert it to the canonical CSV/JSONL")
    .showHelpAfterError("(run foliox trace --help for usage)")
    .addHelpText("after", FORMATS_TEXT);

  trace
    .command("inspect")
    .description("summarize a trace: format, loads/stores/instructions, distinct pages, address range, pids, time span, hottest pages")
    .argument("<file>", "the trace file (plain, gzip or zlib)")
    .showHelpAfterError("(run foliox trace inspect --help for usage)")
    .option("--format <f>", FORMAT_HELP, parseTraceFormat, "auto" as TraceFormat | "auto")
    .option("--instructions", "lackey: include instruction fetches (I lines) as loads; by default they are only counted")
    .option("--perf-weight <w>", "perf: weight of a sample: period (sample period), weight (latency) or one", parsePerfWeight, "period" as TracePerfWeight)
    .option("--top <n>", "how many of the hottest pages to list", parseTop, 10)
    .option("--json", "print the summary as JSON")
    .addHelpText("after", FORMATS_TEXT)
    .action(async (file, opts) => {
      let s: TraceSummary;
      const progress = traceProgress(file);
      try {
        s = await summarizeTrace(progress.open(`reading ${basename(file)}`), {
          format: opts.format,
          includeInstructions: opts.instructions === true,
          perfWeight: opts.perfWeight,
          top: opts.top,
        });
      } catch (err) {
        progress.stop();
        failure(ctx, "inspect", err);
        return;
      }
      progress.stop();
      ctx.writeOut(opts.json === true ? formatJson(s) : renderTraceSummary(s));
    });

  trace
    .command("convert")
    .description("convert a trace to the canonical CSV (t,pid,addr,op,size[,weight]) or JSON lines")
    .argument("<file>", "the trace file (plain, gzip or zlib)")
    .showHelpAfterError("(run foliox trace convert --help for usage)")
    .requiredOption("--to <f>", "output format: csv, jsonl or bin (binary, with -o)", parseOutputFormat)
    .option("-o, --output <out>", "write to this file instead of stdout (gzip when it ends in .gz; written whole or not at all)")
    .option("--format <f>", FORMAT_HELP, parseTraceFormat, "auto" as TraceFormat | "auto")
    .option("--instructions", "lackey: include instruction fetches (I lines), written as loads (R)")
    .option("--perf-weight <w>", "perf: weight of a sample: period (sample period), weight (latency) or one", parsePerfWeight, "period" as TracePerfWeight)
    .option("--weight", "csv: always write the weight column")
    .addHelpText("after", FORMATS_TEXT)
    .action(async (file, opts) => {
      if (opts.to === "bin" && opts.output === undefined) {
        ctx.writeErr("foliox trace convert: --to bin writes binary records: pass -o FILE (e.g. -o trace.bin)\n");
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      if (opts.output !== undefined) {
        try {
          checkOutputFile("-o", opts.output);
        } catch (err) {
          if (!(err instanceof OutputPathError)) throw err;
          ctx.writeErr(`foliox trace convert: ${err.message}\n`);
          ctx.exitCode = EXIT_USAGE;
          return;
        }
      }
      const sink = opts.output !== undefined ? new FileSink(opts.output) : undefined;
      const release = onInterrupt(() => sink?.abort());
      const progress = traceProgress(file);
      let pending = "";
      const toStdout = (s: string | Buffer): void => {
        pending += typeof s === "string" ? s : s.toString("latin1");
        if (pending.length >= 1 << 20) {
          ctx.writeOut(pending);
          pending = "";
        }
      };
      try {
        await convertTrace(progress.open(`converting ${basename(file)}`), {
          to: opts.to,
          format: opts.format,
          includeInstructions: opts.instructions === true,
          perfWeight: opts.perfWeight,
          weighted: opts.weight === true,
          write: sink !== undefined ? (s) => sink.write(s) : toStdout,
        });
        progress.stop();
        if (sink !== undefined) await sink.close();
        else if (pending !== "") ctx.writeOut(pending);
      } catch (err) {
        progress.stop();
        sink?.abort();
        if (sink === undefined && pending !== "") ctx.writeOut(pending);
        failure(ctx, "convert", err);
      } finally {
        release();
      }
    });
}
