/**
 * What the foliox process does when it is told to stop: SIGINT (Ctrl-C) and SIGTERM run the
 * cleanups commands registered (a progress bar gives the terminal its cursor and line wrap
 * back, an output file's `.partial-PID` is removed, a directory the command created and left
 * empty goes), then end the process by the same signal, its default action restored, so that
 * the parent sees how it ended: a shell's `$?` is 128 + the signal's number (130, 143), and a
 * shell loop or make stops as it should on a Ctrl-C. (process.exit() would not do: it waits
 * for Node's thread pool, which a read of a FIFO can block for ever.) A closed stdout (EPIPE, as in
 * `foliox trace convert t.gz --to csv | head`) ends the process quietly with 0: the reader has
 * what it wanted. Only the bin installs these handlers; main() in a test process leaves the
 * process's signals alone, and registering a cleanup there is harmless.
 *
 * Handlers run from the event loop, so a command whose work is one long synchronous loop must
 * let the loop turn now and then for Ctrl-C to be seen: yieldingToSignals() does that for an
 * access stream.
 */
import { constants } from "node:os";
import { setImmediate as turn } from "node:timers/promises";
import { EXIT_OK, EXIT_SIGNAL_BASE } from "./exit.js";

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();

/** Run `fn` if the process is interrupted; call the returned function once it no longer applies. */
export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}

/** The registered cleanups, newest first; a failing one does not stop the others. */
export function runInterruptCleanups(): void {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort: the process is going away
    }
  }
}

let installed = false;

/** For the bin: SIGINT and SIGTERM clean up and end the process by that signal (130/143); EPIPE on stdout exits 0. */
export function installExitHandlers(proc: NodeJS.Process = process): void {
  if (installed) return;
  installed = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const handler = () => {
      runInterruptCleanups();
      proc.removeListener(signal, handler);
      proc.kill(proc.pid, signal);
      // not reached once the default action has run; in case it did not
      proc.exit(EXIT_SIGNAL_BASE + constants.signals[signal]);
    };
    proc.on(signal, handler);
  }
  proc.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    runInterruptCleanups();
    proc.exit(EXIT_OK);
  });
}

/** How long a stream may keep the event loop from turning (and so a Ctrl-C from being seen). */
const TURN_EVERY_MS = 50;

/**
 * Pass an access stream through, letting the event loop turn every TURN_EVERY_MS so that signal
 * handlers run during a long synthetic run (whose batches are produced synchronously).
 */
export async function* yieldingToSignals<T>(source: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T, void, void> {
  let last = Date.now();
  for await (const item of source) {
    yield item;
    const now = Date.now();
    if (now - last >= TURN_EVERY_MS) {
      await turn();
      last = Date.now();
    }
  }
}
