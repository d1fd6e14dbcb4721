#!/usr/bin/env node
// `npm run test:kernel`: the scenarios of kernel-check/scenarios.json on a live Linux 6.1 kernel
// (QEMU TCG, vm.mjs) and in foliox with kernel "6.1" (foliox.mjs), compared field by field:
// rc, errno, status[] and each /proc/vmstat delta of every system call. A difference fails unless
// scenarios.json's "known" list explains it; docs/fidelity.md holds the table (written with
// --write-doc, checked otherwise). Prints `N passed, N failed` last: one per compared field, plus
// the VM boot and the doc check. Exit 0 when nothing failed, 1 otherwise, 2 for bad usage.
//
//   node kernel-check/run.mjs [--write-doc] [--only NAME[,NAME]] [--verbose]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkDoc, compare, renderDoc } from "./compare.mjs";
import { Missing, boot, ensureInitramfs, ensureKernel, ensureTools, parseConsole } from "./vm.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const cacheDir = join(here, ".cache");
const docPath = join(root, "docs", "fidelity.md");
const BOOT_TIMEOUT_MS = 300_000;

function usage(msg) {
  console.error(`kernel-check: ${msg}\nusage: node kernel-check/run.mjs [--write-doc] [--only NAME[,NAME]] [--verbose]`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const opts = { writeDoc: false, only: null, verbose: false };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--write-doc") opts.writeDoc = true;
  else if (a === "--verbose") opts.verbose = true;
  else if (a === "--only") {
    if (!argv[i + 1]) usage("--only needs scenario names");
    opts.only = argv[++i].split(",");
  } else usage(`unknown argument ${a}`);
}

const spec = JSON.parse(readFileSync(join(here, "scenarios.json"), "utf8"));
let scenarios = spec.scenarios;
if (opts.only) {
  const unknown = opts.only.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) usage(`no scenario named ${unknown.join(", ")}; see kernel-check/scenarios.json`);
  scenarios = scenarios.filter((s) => opts.only.includes(s.name));
  if (opts.writeDoc) usage("--write-doc needs every scenario (drop --only)");
}

/** scenarios.json → the probe's /scenarios.txt */
function probeText(list) {
  return list.map((s) => [`scenario ${s.name}`, ...s.steps.map((st) => st.join(" ")), "end"].join("\n")).join("\n") + "\n";
}

function finish(passed, failed, notes = []) {
  for (const n of notes) console.log(n);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

const started = Date.now();
const log = (m) => console.log(m);
let kernelRecords;
let release = "?";
let tiers = "?";
try {
  ensureTools(log);
  const vmlinuz = ensureKernel(cacheDir, log);
  mkdirSync(cacheDir, { recursive: true });
  const initramfs = ensureInitramfs(cacheDir, join(here, "probe.c"), probeText(scenarios));
  log(`kernel-check: booting ${vmlinuz.split("/").pop()} (QEMU TCG, node 0: ${spec.vm.nodeMiB[0]} MiB + 2 CPUs, node 1: ${spec.vm.nodeMiB[1]} MiB, no CPU)`);
  const t0 = Date.now();
  const vm = await boot({ kernel: vmlinuz, initramfs, nodeMiB: spec.vm.nodeMiB, append: spec.vm.append, timeoutMs: BOOT_TIMEOUT_MS });
  const records = parseConsole(vm.console);
  const done = records.some((r) => r.call === "done");
  log(`kernel-check: the VM ran ${((Date.now() - t0) / 1000).toFixed(1)} s${vm.timedOut ? " and was killed by the watchdog" : ""}`);
  if (!done) {
    const tail = vm.console.split(/\r?\n/).slice(-15).join("\n");
    throw new Missing(
      `the VM did not finish the scenarios (${vm.timedOut ? `watchdog: no power-off in ${BOOT_TIMEOUT_MS / 1000} s` : `qemu exit ${vm.code}`}).\nqemu stderr: ${vm.stderr.trim() || "(none)"}\nlast console lines:\n${tail}`,
    );
  }
  const bootRec = records.find((r) => r.call === "boot");
  release = bootRec?.kernel ?? "?";
  tiers = bootRec?.tiers ?? "?";
  if (!release.startsWith("6.1.")) throw new Missing(`the VM booted kernel ${release}, not a 6.1 kernel`);
  const errors = records.filter((r) => r.call === "error");
  if (errors.length) throw new Missing(`the probe failed: ${errors.map((e) => JSON.stringify(e)).join("; ")}`);
  kernelRecords = records.filter((r) => r.scenario && r.call !== "boot");
} catch (err) {
  if (!(err instanceof Missing)) throw err;
  finish(0, 1, [`kernel-check: FAILED: the live kernel could not be run: ${err.message}`]);
  process.exit();
}

const { replay } = await import("./foliox.mjs").catch((err) => {
  finish(0, 1, [`kernel-check: FAILED: cannot load foliox (run \`npm run build\` first): ${err.message}`]);
  process.exit();
});
const folioxRecords = scenarios.flatMap((s) => replay(s, spec.vm, spec.counters));
// The same scenarios on the default model (v6.12), to show what kernel "6.1" changes.
const baseline = compare(
  scenarios,
  kernelRecords,
  scenarios.flatMap((s) => replay(s, spec.vm, spec.counters, "6.12")),
  { ...spec, known: [] },
);

const result = compare(scenarios, kernelRecords, folioxRecords, spec);
let passed = result.rows.filter((r) => r.match !== "NO").length + 1; // + the boot
let failed = result.rows.filter((r) => r.match === "NO").length;
const notes = [];
for (const r of result.rows) {
  if (r.match === "NO") notes.push(`FAIL ${r.scenario} step ${r.step} ${r.field}: kernel ${r.kernel}, foliox ${r.foliox}`);
  else if (opts.verbose)
    notes.push(`${r.match === "listed" ? "LISTED" : "ok"}   ${r.scenario} step ${r.step} ${r.field}: kernel ${r.kernel}, foliox ${r.foliox}`);
}
for (const p of result.problems) {
  notes.push(`FAIL ${p}`);
  failed++;
}

if (!opts.only) {
  const doc = renderDoc(
    result.rows,
    spec,
    { release, tiers },
    baseline.rows.filter((r) => r.match === "NO"),
  );
  if (opts.writeDoc) {
    writeFileSync(docPath, doc);
    notes.push(`kernel-check: wrote ${docPath.slice(root.length + 1)}`);
    passed++;
  } else {
    let current = "";
    try {
      current = readFileSync(docPath, "utf8");
    } catch {}
    const stale = checkDoc(current, result.rows);
    if (stale.length) {
      failed++;
      notes.push(
        `FAIL docs/fidelity.md does not show this run (${stale.slice(0, 5).join("; ")}${stale.length > 5 ? "; …" : ""}): run \`npm run test:kernel -- --write-doc\``,
      );
    } else passed++;
  }
}
notes.push(`kernel-check: memory tiers in the VM: ${tiers}`);
notes.push(`kernel-check: ${scenarios.length} scenarios on ${release} and in foliox (kernel "6.1") in ${((Date.now() - started) / 1000).toFixed(1)} s`);
finish(passed, failed, notes);
