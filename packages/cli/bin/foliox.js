#!/usr/bin/env node
// Committed launcher: npm links a workspace bin only if its target exists at install time,
// so the bin points here rather than at dist/.
try {
  await import("../dist/cli.js");
} catch (err) {
  if (err && err.code === "ERR_MODULE_NOT_FOUND") {
    process.stderr.write(
      "foliox: the CLI is not built yet — run `npm run build` (or the README's first command) and try again.\n" +
        `(${err.message})\n`,
    );
    process.exit(1);
  }
  throw err;
}
