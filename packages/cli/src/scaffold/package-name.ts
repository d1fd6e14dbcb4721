/**
 * npm's package-name rules for a new package (what npm's validate-npm-package-name calls
 * "valid for new packages"), and the backend name foliox derives from one. Each problem is a
 * sentence that says what is wrong and what is allowed, for a usage error.
 */
import { builtinModules } from "node:module";

/** npm refuses longer names. */
export const NPM_NAME_MAX = 214;

const SCOPED = /^@([^/]+)\/([^/]+)$/;

/** What is wrong with `name` as the name of a new npm package (empty: nothing). */
export function npmPackageNameProblems(name: string): string[] {
  const out: string[] = [];
  if (name.length === 0) return ["a package name cannot be empty"];
  if (name.trim() !== name) out.push("a package name cannot start or end with spaces");
  if (name.startsWith(".")) out.push('a package name cannot start with "."');
  if (name.startsWith("_")) out.push('a package name cannot start with "_"');
  if (name === "node_modules" || name === "favicon.ico") out.push(`"${name}" is a reserved name`);
  if (builtinModules.includes(name)) out.push(`"${name}" is the name of a Node.js core module`);
  if (name.length > NPM_NAME_MAX) out.push(`a package name can have at most ${NPM_NAME_MAX} characters (this one has ${name.length})`);
  if (name.toLowerCase() !== name) out.push("a package name cannot contain capital letters");
  const last = name.split("/").at(-1) ?? name;
  if (/[~'!()*]/.test(last)) out.push(`a package name cannot contain any of ~'!()*`);
  if (encodeURIComponent(name) !== name) {
    const m = SCOPED.exec(name);
    const urlSafe = m !== null && encodeURIComponent(m[1]!) === m[1] && encodeURIComponent(m[2]!) === m[2];
    if (!urlSafe) out.push("a package name can contain only URL-safe characters (a-z, 0-9, - . _), with one optional @scope/ in front");
  }
  return out;
}

/** The package's name without its @scope/. */
export function unscopedName(name: string): string {
  return SCOPED.exec(name)?.[2] ?? name;
}

/** A backend name: lowercase words of letters and digits joined by "-", starting with a letter. */
const BACKEND_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The backend (manifest) name a package name suggests: the unscoped name less a leading
 * "foliox-" and "fs-", with "." "_" "~" read as "-" — foliox-fs-xfs → xfs, @acme/zonefs → zonefs.
 */
export function backendNameOf(packageName: string): string {
  return unscopedName(packageName)
    .replace(/^foliox-/, "")
    .replace(/^fs-(?=.)/, "")
    .replace(/[._~]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

export function backendNameProblems(name: string, taken: readonly string[]): string[] {
  if (!BACKEND_NAME.test(name))
    return [`backend name "${name}" must be lowercase words of letters and digits joined by "-", starting with a letter (e.g. xfs, my-fs)`];
  if (taken.includes(name)) return [`backend name "${name}" is a built-in backend's (${taken.join(", ")}); pick another with --backend-name`];
  return [];
}
