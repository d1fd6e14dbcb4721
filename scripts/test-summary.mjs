// Reads every packages/*/.vitest/report.json (vitest's json reporter) and totals the results.
// Run directly (`node scripts/test-summary.mjs`) it prints the plain closing line
// `N passed, N failed, N skipped` and exits 1 if anything failed or nothing ran.
// fs.globSync is Node 22+, so packages/ is listed by hand.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const packagesDir = join(root, "packages");

function packageDirs() {
  if (!existsSync(packagesDir)) return [];
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(packagesDir, d.name))
    .filter((dir) => existsSync(join(dir, "package.json")));
}

const reportPath = (dir) => join(dir, ".vitest", "report.json");

/** Delete old reports so a package whose tests did not run cannot contribute stale counts. */
export function clearReports() {
  for (const dir of packageDirs()) rmSync(reportPath(dir), { force: true });
}

/** @returns {{passed: number, failed: number, skipped: number, notes: string[]}} */
export function summarize() {
  const totals = { passed: 0, failed: 0, skipped: 0, notes: [] };
  for (const dir of packageDirs()) {
    const name = dir.slice(packagesDir.length + 1);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = reportPath(dir);
    if (!existsSync(file)) {
      if (pkg.scripts?.test) totals.notes.push(`test-summary: no report from packages/${name}`);
      continue;
    }
    let report;
    try {
      report = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      totals.notes.push(`test-summary: unreadable report from packages/${name}: ${err.message}`);
      totals.failed += 1;
      continue;
    }
    totals.passed += report.numPassedTests ?? 0;
    totals.failed += report.numFailedTests ?? 0;
    totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A test file that fails to load has no failed assertions: count it as one failure.
    for (const suite of report.testResults ?? []) {
      const failedAssertions = (suite.assertionResults ?? []).filter((a) => a.status === "failed");
      if (suite.status === "failed" && failedAssertions.length === 0) {
        totals.failed += 1;
        totals.notes.push(`test-summary: ${suite.name} failed to run: ${(suite.message ?? "").split("\n")[0]}`);
      }
    }
  }
  return totals;
}

export function formatLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t = summarize();
  for (const note of t.notes) console.log(note);
  console.log(formatLine(t));
  process.exitCode = t.failed > 0 || t.passed + t.failed === 0 ? 1 : 0;
}
