/**
 * A trace file read with a progress bar: the bar counts the file's bytes as the reader takes
 * them (compressed bytes for a .gz, so the share is right either way), with an ETA. One bar per
 * pass over the file (`run --trace` reads it once for its footprint, once to replay it); a new
 * pass ends the bar of the one before. Nothing is drawn unless stderr is a TTY. runProgress()
 * is what `run` and `compare` use: this for a trace, the access count for a synthetic run.
 */
import { statSync } from "node:fs";
import { basename } from "node:path";
import type { Scenario } from "@foliox/tiering";
import { fileTraceSource, type TraceSource } from "@foliox/trace";
import type { TraceInput } from "./commands/simulate.js";
import { createProgress, type Progress } from "./report/progress.js";

export interface TraceProgress {
  /** the file as a TraceSource whose reads move a bar labelled `label` */
  open(label: string): TraceSource;
  /** end the current bar */
  stop(): void;
}

export function traceProgress(file: string, stream: NodeJS.WriteStream = process.stderr): TraceProgress {
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // the reader reports a missing file, naming it
  }
  let bar: Progress | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    open(label) {
      stop();
      const mine = createProgress(label, size, stream, "bytes");
      bar = mine;
      // the reader's own file source (it refills one buffer where it can), ticking the bar
      return fileTraceSource(file, file, { onRead: (n) => mine.tick(n) });
    },
    stop,
  };
}

/** A run's progress: accesses of a synthetic run, or the trace file's bytes on each pass over it. */
export interface RunProgress {
  /** the trace to simulate, opened through the bar (undefined for a synthetic run) */
  trace: TraceInput | undefined;
  /** count a closed epoch's entries (synthetic runs) */
  tick(n: number): void;
  stop(): void;
}

export function runProgress(label: string, scenario: Scenario, trace: TraceInput | undefined, stream: NodeJS.WriteStream = process.stderr): RunProgress {
  if (!trace) {
    const bar = createProgress(label, scenario.workload.accessesPerEpoch * scenario.epochs, stream);
    return { trace, tick: (n) => bar.tick(n), stop: () => bar.stop() };
  }
  const bars = traceProgress(trace.file, stream);
  const name = basename(trace.file);
  return {
    trace: { ...trace, open: (pass) => bars.open(`${label} ${pass === "summary" ? "reading" : "replaying"} ${name}`) },
    tick() {},
    stop: () => bars.stop(),
  };
}
