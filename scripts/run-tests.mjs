// `npm test`: runs every package's tests through turbo (one task at a time: 2 cores; a failing package
// does not stop the others, so the counts cover every package that could run), then ALWAYS
// prints `N passed, N failed, N skipped` as the last line, even when turbo fails.
// Exits non-zero if turbo failed, any test failed, or no test ran.
// Extra arguments go to turbo, e.g. `npm test -- --force` or `npm test -- --filter=@foliox/core`.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { clearReports, formatLine, summarize } from "./test-summary.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

clearReports();
const turbo = spawnSync("npx", ["turbo", "run", "test", "--concurrency=1", "--continue=dependencies-successful", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
const turboFailed = turbo.status !== 0;

const totals = summarize();
for (const note of totals.notes) console.log(note);
if (turbo.error) console.log(`run-tests: could not start turbo: ${turbo.error.message}`);
else if (turboFailed) console.log(`run-tests: turbo exited with ${turbo.status ?? turbo.signal}`);
if (totals.passed + totals.failed === 0) console.log("run-tests: no test ran");
console.log(formatLine(totals));

process.exitCode = turboFailed || totals.failed > 0 || totals.passed + totals.failed === 0 ? 1 : 0;
