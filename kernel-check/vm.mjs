// The live side of kernel-check: what it needs on the machine (installed with apt when missing),
// the Debian 6.1 kernel and the initramfs cached under kernel-check/.cache/ (git-ignored), and one
// QEMU TCG boot with a watchdog. Two NUMA nodes: node 0 with both CPUs, node 1 memory-only (a
// CXL-like tier). The probe (/init) prints `KC {json}` lines on the serial console.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The commands the harness runs, and the Debian package that brings each. */
const TOOLS = [
  { cmd: "qemu-system-x86_64", pkg: "qemu-system-x86" },
  { cmd: "busybox", pkg: "busybox-static" },
  { cmd: "gcc", pkg: "gcc" },
  { cmd: "dpkg-deb", pkg: "dpkg" },
];
/** the metapackage whose dependency names the current 6.1 kernel image */
const KERNEL_META = "linux-image-amd64";

export class Missing extends Error {}

function have(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Missing(`${cmd}: ${r.error.message}`);
  return r;
}

let aptUpdated = false;
function aptUpdate(log) {
  if (aptUpdated) return;
  log("kernel-check: apt-get update");
  const r = run("apt-get", ["update"], { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Missing(`apt-get update failed (is Debian's package repository reachable?): ${r.stderr.trim().split("\n").pop()}`);
  aptUpdated = true;
}

/** Install what is missing: qemu-system-x86, busybox-static, gcc and the static libc (libc6-dev). */
export function ensureTools(log) {
  const missing = TOOLS.filter((t) => !have(t.cmd)).map((t) => t.pkg);
  if (!existsSync("/usr/lib/x86_64-linux-gnu/libc.a")) missing.push("libc6-dev");
  if (missing.length === 0) return;
  if (!have("apt-get")) throw new Missing(`missing ${missing.join(", ")} and no apt-get to install them`);
  aptUpdate(log);
  log(`kernel-check: apt-get install ${missing.join(" ")}`);
  const r = run("apt-get", ["install", "-y", "--no-install-recommends", ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (r.status !== 0) throw new Missing(`apt-get install ${missing.join(" ")} failed: ${r.stderr.trim().split("\n").pop()}`);
  const still = TOOLS.filter((t) => !have(t.cmd)).map((t) => t.cmd);
  if (still.length) throw new Missing(`still missing after apt-get install: ${still.join(", ")}`);
}

/** The kernel image package linux-image-amd64 depends on, e.g. linux-image-6.1.0-57-amd64. */
function kernelPackage(log) {
  const ask = () => run("apt-cache", ["depends", KERNEL_META]).stdout.match(/Depends:\s*(linux-image-\S+)/)?.[1];
  let pkg = ask();
  if (!pkg) {
    aptUpdate(log);
    pkg = ask();
  }
  if (!pkg) throw new Missing(`apt-cache knows no ${KERNEL_META}: cannot find the 6.1 kernel to boot`);
  return pkg;
}

/** vmlinuz of the current Debian 6.1 kernel, downloaded once into cacheDir. */
export function ensureKernel(cacheDir, log) {
  mkdirSync(cacheDir, { recursive: true });
  const cached = readdirSync(cacheDir).find((f) => f.startsWith("vmlinuz-"));
  // Offline with a cached kernel: use it rather than fail.
  let pkg;
  try {
    pkg = kernelPackage(log);
  } catch (err) {
    if (cached) return join(cacheDir, cached);
    throw err;
  }
  const release = pkg.replace(/^linux-image-/, "");
  const target = join(cacheDir, `vmlinuz-${release}`);
  if (existsSync(target)) return target;
  const work = mkdtempSync(join(tmpdir(), "kernel-check-"));
  try {
    log(`kernel-check: apt-get download ${pkg}`);
    const dl = run("apt-get", ["download", pkg], { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
    const deb = readdirSync(work).find((f) => f.endsWith(".deb"));
    if (dl.status !== 0 || !deb) throw new Missing(`apt-get download ${pkg} failed: ${dl.stderr.trim().split("\n").pop()}`);
    const x = run("dpkg-deb", ["-x", join(work, deb), join(work, "root")]);
    if (x.status !== 0) throw new Missing(`dpkg-deb -x ${deb} failed: ${x.stderr.trim()}`);
    const src = join(work, "root", "boot", `vmlinuz-${release}`);
    if (!existsSync(src)) throw new Missing(`${deb} holds no boot/vmlinuz-${release}`);
    for (const f of readdirSync(cacheDir)) if (f.startsWith("vmlinuz-")) rmSync(join(cacheDir, f));
    copyFileSync(src, target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The initramfs: the static probe as /init and the scenarios as /scenarios.txt; cached by content. */
export function ensureInitramfs(cacheDir, probeSource, scenariosText) {
  // The key covers this file too: how the image is built is part of what it holds.
  const key = createHash("sha256")
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(readFileSync(probeSource))
    .update("\0")
    .update(scenariosText)
    .digest("hex")
    .slice(0, 16);
  const target = join(cacheDir, `initramfs-${key}.cpio`);
  if (existsSync(target)) return target;
  const root = mkdtempSync(join(tmpdir(), "kernel-check-root-"));
  try {
    const cc = run("gcc", ["-static", "-O2", "-Wall", "-o", join(root, "init"), probeSource]);
    if (cc.status !== 0) throw new Missing(`gcc -static ${probeSource} failed:\n${cc.stderr}`);
    writeFileSync(join(root, "scenarios.txt"), scenariosText);
    // "/" of the VM: a scenario that drops root still has to reach /proc.
    chmodSync(root, 0o755);
    // Debian's image has no cpio; busybox-static's applet writes the newc format the kernel reads.
    const cpio = run("sh", ["-c", "printf '.\\ninit\\nscenarios.txt\\n' | busybox cpio -o -H newc"], { cwd: root, encoding: "buffer" });
    if (cpio.status !== 0) throw new Missing(`busybox cpio failed: ${cpio.stderr}`);
    for (const f of readdirSync(cacheDir)) if (f.startsWith("initramfs-")) rmSync(join(cacheDir, f));
    writeFileSync(target, cpio.stdout);
    return target;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Boot once with QEMU's software emulation (TCG; no KVM needed) and collect the probe's lines.
 * The watchdog kills a VM that has not powered off after `timeoutMs`.
 */
export function boot({ kernel, initramfs, nodeMiB, append, timeoutMs }) {
  const [m0, m1] = nodeMiB;
  const args = [
    "-machine",
    "q35",
    "-accel",
    "tcg",
    "-cpu",
    "max",
    "-m",
    `${m0 + m1}M`,
    "-smp",
    "2",
    "-object",
    `memory-backend-ram,id=m0,size=${m0}M`,
    "-object",
    `memory-backend-ram,id=m1,size=${m1}M`,
    "-numa",
    "node,nodeid=0,cpus=0-1,memdev=m0",
    "-numa",
    "node,nodeid=1,memdev=m1",
    "-kernel",
    kernel,
    "-initrd",
    initramfs,
    "-append",
    `console=ttyS0 quiet panic=-1 ${append}`,
    "-nographic",
    "-no-reboot",
    "-monitor",
    "none",
    "-serial",
    "stdio",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) => {
      clearTimeout(watchdog);
      reject(new Missing(`cannot start qemu-system-x86_64: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(watchdog);
      resolve({ code, timedOut, console: out, stderr: err, args });
    });
  });
}

/** The probe's records, in order, each once (a serial console can repeat lines). */
export function parseConsole(text) {
  const records = [];
  const seen = new Set();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf("KC {");
    if (at < 0) continue;
    const json = line.slice(at + 3).trim();
    if (seen.has(json)) continue;
    seen.add(json);
    try {
      const rec = JSON.parse(json);
      records.push(rec);
      if (rec.call === "done") break;
    } catch {
      records.push({ call: "error", what: `unparsable line: ${json.slice(0, 200)}` });
    }
  }
  return records;
}
