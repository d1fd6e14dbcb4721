#!/usr/bin/env node
// Committed launcher: npm links a workspace bin only if its target exists at install time,
// so the bin points here rather than at dist/.
const entry = new URL("../dist/cli.js", import.meta.url);
try {
  await import(entry.href);
} catch (err) {
  // Only dist/cli.js itself missing means "not built": a package it imports that is missing
  // (a broken install) keeps Node's own message, which names that package.
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && (err.url ?? "") === entry.href) {
    process.stderr.write("foliox: the CLI is not built yet — run `npm run build` (or the README's first command) and try again.\n" + `(${err.message})\n`);
    process.exit(1);
  }
  throw err;
}
