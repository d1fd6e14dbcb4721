/**
 * Output paths, checked before any work starts: `--out DIR` is created (with its parents) and
 * must take a new file; `-o FILE` needs an existing, writable directory and must not be a
 * directory itself. A path that fails is reported at once (exit 2), so a long run never ends
 * in "cannot write". Files are written whole or not at all (a `.partial-PID` renamed into
 * place), and a directory the command created is removed again if the command fails or is
 * interrupted before writing into it.
 *
 * mkdir -p is done here one level at a time: Node's mkdirSync(…, { recursive: true }) spins
 * forever on a path under /proc (it retries the parent's ENOENT), the "100% CPU" of `--out /proc/x`.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EXIT_FAILURE, EXIT_USAGE } from "./exit.js";
import { onInterrupt } from "./signals.js";

/** An output path that cannot be used; `message` names the option and the path and says why. */
export class OutputPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputPathError";
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOENT: "no such file or directory",
    ENOTDIR: "a part of the path is a file, not a directory",
    EISDIR: "it is a directory",
    ENOSPC: "no space left on the device",
    EDQUOT: "disk quota exceeded",
    EFBIG: "file too large",
    EEXIST: "it exists",
  };
  if (e && typeof e.code === "string") return `${e.code}: ${why[e.code] ?? e.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** The error text for a write that failed: "cannot write PATH (EFBIG: file too large)". */
export function cannotWrite(path: string, err: unknown): string {
  return `cannot write ${path} (${reason(err)})`;
}

function isDir(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** mkdir -p, one level at a time; returns the directories it created, outermost first. */
function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const kind = isDir(d);
    if (kind === true) break;
    if (kind === false) throw Object.assign(new Error(`${d} is a file`), { code: "ENOTDIR" });
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const created: string[] = [];
  try {
    for (const d of missing) {
      mkdirSync(d);
      created.push(d);
    }
  } catch (err) {
    removeEmpty(created);
    throw err;
  }
  return created;
}

function removeEmpty(dirs: readonly string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (or gone): keep it and its parents
    }
  }
}

/** Create and remove a file in `dir`: the one check that is true for root, /proc and read-only mounts alike. */
function probeWritable(dir: string): void {
  const probe = join(dir, `.foliox-write-check-${process.pid}`);
  closeSync(openSync(probe, "wx"));
  unlinkSync(probe);
}

/** Write `text` to `path` whole or not at all: into `path.partial-PID`, then renamed. */
export function writeWhole(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A checked output directory: write files into it; discard() undoes what the check created. */
export interface OutputDir {
  readonly dir: string;
  /** write DIR/name whole (throws the fs error; cannotWrite() words it) */
  write(name: string, text: string | Uint8Array): void;
  /** the command is done with it (it wrote, or it failed and the directory may go) */
  close(): void;
  /** remove the directories the check created, if nothing was written into them */
  discard(): void;
}

/**
 * Check `--out DIR` before the work: create it, make sure a file can be created in it and that
 * none of `files` (the names the command will write) is a directory there.
 */
export function prepareOutputDir(option: string, dir: string, files: readonly string[]): OutputDir {
  let created: string[];
  try {
    created = makeDirs(dir);
  } catch (err) {
    throw new OutputPathError(`${option} ${dir}: cannot create the directory (${reason(err)}); pass a directory you can write to`);
  }
  const fail = (what: string, err: unknown): never => {
    removeEmpty(created);
    throw new OutputPathError(`${option} ${dir}: ${what} (${reason(err)}); pass a directory you can write to`);
  };
  try {
    probeWritable(dir);
  } catch (err) {
    fail("cannot create a file in it", err);
  }
  for (const f of files) {
    if (isDir(join(dir, f)) === true) fail(`${join(dir, f)} is a directory, and the result goes there`, Object.assign(new Error(""), { code: "EISDIR" }));
  }
  const unregister = onInterrupt(() => removeEmpty(created));
  return {
    dir,
    write(name, text) {
      writeWhole(join(dir, name), text);
    },
    close: unregister,
    discard() {
      unregister();
      removeEmpty(created);
    },
  };
}

/** Check `-o FILE` before the work: its directory exists and takes a new file; FILE is not a directory. */
export function checkOutputFile(option: string, file: string): void {
  const parent = dirname(resolve(file));
  const kind = (() => {
    try {
      return isDir(parent);
    } catch (err) {
      throw new OutputPathError(`${option} ${file}: cannot use the directory ${parent} (${reason(err)})`);
    }
  })();
  if (kind !== true) {
    throw new OutputPathError(
      `${option} ${file}: ${kind === undefined ? `the directory ${parent} does not exist; create it first` : `${parent} is a file, not a directory`}`,
    );
  }
  try {
    probeWritable(parent);
  } catch (err) {
    throw new OutputPathError(`${option} ${file}: cannot create a file in ${parent} (${reason(err)}); pass a path you can write to`);
  }
  if (isDir(file) === true) throw new OutputPathError(`${option} ${file}: it is a directory; pass a file name`);
}

/** Where a command reports: its stderr and its exit code. */
interface Reporter {
  writeErr: (text: string) => void;
  exitCode: number;
}

/**
 * `--out DIR` for a command, checked now: the OutputDir, undefined without --out, or false
 * when it cannot be used (reported, exit 2).
 */
export function outDirFromArgs(command: string, ctx: Reporter, dir: string | undefined, files: readonly string[]): OutputDir | undefined | false {
  if (dir === undefined) return undefined;
  try {
    return prepareOutputDir("--out", dir, files);
  } catch (err) {
    if (!(err instanceof OutputPathError)) throw err;
    ctx.writeErr(`foliox ${command}: ${err.message}\n`);
    ctx.exitCode = EXIT_USAGE;
    return false;
  }
}

/** Write the command's files into `out`, each whole; a failure is reported (exit 1) and the rest still tried. */
export function writeOutputs(command: string, ctx: Reporter, out: OutputDir, files: readonly (readonly [name: string, text: string])[]): void {
  const wrote: string[] = [];
  for (const [name, text] of files) {
    try {
      out.write(name, text);
      wrote.push(join(out.dir, name));
    } catch (err) {
      ctx.writeErr(`foliox ${command}: ${cannotWrite(join(out.dir, name), err)}; the result is on stdout\n`);
      ctx.exitCode = EXIT_FAILURE;
    }
  }
  out.close();
  if (wrote.length > 0) ctx.writeErr(`foliox ${command}: wrote ${wrote.join(", ")}\n`);
}
