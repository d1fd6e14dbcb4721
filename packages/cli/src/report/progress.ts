/**
 * A progress bar for long runs, drawn on stderr with cli-progress, only when stderr is a TTY
 * (nothing at all when piped or redirected, so `--json` output and logs stay clean).
 */
import cliProgress from "cli-progress";
import type { AccessBatch } from "@foliox/tiering";

export interface Progress {
  /** count `n` more accesses */
  tick(n: number): void;
  /** erase the bar */
  stop(): void;
}

const NONE: Progress = { tick() {}, stop() {} };

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} accesses | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let done = 0;
  return {
    tick(n) {
      done += n;
      bar.update(Math.min(done, total));
    },
    stop() {
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
