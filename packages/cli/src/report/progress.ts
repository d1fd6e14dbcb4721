/**
 * A progress bar for long runs, drawn on stderr with cli-progress, only when stderr is a TTY
 * (nothing at all when piped or redirected, so `--json` output and logs stay clean). It counts
 * accesses (a synthetic run, whose total is known), bytes of a file (a trace being read:
 * replayed, inspected or converted) or the runs of a sweep. The bar hides the cursor and turns line wrap off while it
 * is drawn; stop() gives both back, and so does a SIGINT or SIGTERM (signals.ts).
 */
import cliProgress from "cli-progress";
import type { AccessBatch } from "@foliox/tiering";
import { onInterrupt } from "../signals.js";

export interface Progress {
  /** count `n` more accesses */
  tick(n: number): void;
  /** erase the bar */
  stop(): void;
}

const NONE: Progress = { tick() {}, stop() {} };

const MiB = 1024 * 1024;

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  unit: "accesses" | "bytes" | "runs" = "accesses",
): Progress {
  if (!stream.isTTY || total <= 0) return NONE;
  const bytes = unit === "bytes";
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${bytes ? "MiB" : unit} | ETA {eta_formatted}`,
      ...(bytes ? { formatValue: (v: number, _o: unknown, type: string) => (type === "value" || type === "total" ? (v / MiB).toFixed(1) : String(v)) } : {}),
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  const release = onInterrupt(() => bar.stop());
  let done = 0;
  let active = true;
  return {
    tick(n) {
      if (!active) return;
      done += n;
      bar.update(Math.min(done, total));
    },
    stop() {
      if (!active) return;
      active = false;
      release();
      bar.stop();
    },
  };
}

/** Pass batches through, counting them on the bar. */
export function* withProgress(source: Iterable<AccessBatch>, progress: Progress): Generator<AccessBatch, void, void> {
  for (const b of source) {
    yield b;
    progress.tick(b.length);
  }
}
