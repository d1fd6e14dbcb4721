// The model side of kernel-check: the steps of scenarios.json replayed in foliox with
// createSystem({ kernel: "6.1" }) (or another version, to show what the switch changes),
// producing records shaped like the probe's (probe.c): one per
// system call, with rc and errno as user space sees them (-1 and errno for an error), status[]
// and the /proc/vmstat deltas around the call. Runs against the built packages (npm run build).
import {
  ACCESS_OK,
  MPOL_MF_MOVE,
  MPOL_MF_MOVE_ALL,
  accessVirtual,
  copyProcess,
  createProcess,
  createSystem,
  doMmap,
  folioGet,
  folioWalkStart,
  syscalls,
  userNodemask,
} from "@foliox/core";
import { registerAnon } from "@foliox/anon";

const PAGE = 4096;
const MiB = 1 << 20;
/** what probe.c leaves in status[] before the call: a slot the kernel did not write keeps it */
const UNWRITTEN = 12345;
/** probe.c's "bad" flag: a bit move_pages() does not know */
const BAD_FLAG = 1 << 7;
/** probe.c's FILL_CHUNK */
const FILL_CHUNK = 32;

/** "0,2,5-7" → [0, 2, 5, 6, 7], as probe.c's parse_spec() reads it */
export function parseSpec(spec) {
  const out = [];
  for (const part of String(spec).split(",")) {
    const [a, b] = part.split("-").map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

function nodesOfMask(mask) {
  const out = [];
  for (let n = 0n; n < 64n; n++) if ((BigInt(mask) >> n) & 1n) out.push(Number(n));
  return out;
}

function userRc(ret) {
  return ret < 0 ? { rc: -1, errno: -ret } : { rc: ret, errno: 0 };
}

/** Run one scenario; returns its records. */
export function replay(scenario, vm, counters, kernelVersion = "6.1") {
  const [m0, m1] = vm.nodeMiB;
  const { kernel: k } = createSystem({ kernel: kernelVersion, memory: [m0 * MiB, m1 * MiB], backends: [registerAnon] });
  // The probe runs as root on node 0's CPUs.
  const task = createProcess(k, { nid: 0, cred: { uid: 0, capSysNice: true, capSysPtrace: true } });
  const mm = task.mm;
  const regions = new Map();
  const sharers = [];
  const records = [];
  const region = (name) => {
    const r = regions.get(name);
    if (!r) throw new Error(`${scenario.name}: unknown region ${name}`);
    return r;
  };
  const vmstat = () => {
    const all = k.vmstat.procVmstat();
    return Object.fromEntries(counters.map((c) => [c, all[c] ?? 0]));
  };
  const call = (step, name, fn) => {
    const before = vmstat();
    const rec = { scenario: scenario.name, step, call: name, ...fn() };
    const after = vmstat();
    rec.vmstat = Object.fromEntries(counters.map((c) => [c, after[c] - before[c]]));
    records.push(rec);
  };
  /** a fault as the task on its CPU's node, or under the region's MPOL_BIND node */
  const touch = (addr, write, node) => {
    const home = mm.homeNid;
    mm.homeNid = node ?? task.nid;
    const rc = accessVirtual(k, mm, addr, write);
    mm.homeNid = home;
    return rc;
  };
  scenario.steps.forEach((s, i) => {
    const step = i + 1;
    const [op, a, b, c, d] = s;
    switch (op) {
      case "mmap": {
        const addr = doMmap(k, mm, Number(b) * PAGE, { thpOrder: c === "thp" ? 9 : 0 });
        if (addr < 0) throw new Error(`${scenario.name} step ${step}: mmap failed: ${addr}`);
        regions.set(a, { addr, pages: Number(b), node: undefined });
        break;
      }
      case "place":
        region(a).node = Number(b);
        break;
      case "touch": {
        const r = region(a);
        for (const p of parseSpec(b)) {
          const rc = touch(r.addr + p * PAGE, c === "w", r.node);
          if (rc !== ACCESS_OK) throw new Error(`${scenario.name} step ${step}: fault at page ${p}: ${rc}`);
        }
        break;
      }
      case "fork": {
        if (sharers.length === 0) {
          const child = copyProcess(k, task);
          if (typeof child === "number") throw new Error(`${scenario.name} step ${step}: fork failed: ${child}`);
          sharers.push(child);
        }
        break;
      }
      case "pin": {
        // vmsplice() into a pipe: the pipe buffer holds a reference on the page's folio.
        const r = region(a);
        folioGet(k, folioWalkStart(k, mm, r.addr + Number(b) * PAGE));
        break;
      }
      case "dropcap":
        task.cred = { ...task.cred, uid: 65534, capSysNice: false, capSysPtrace: false };
        break;
      case "fill": {
        // probe.c's op_fill(): touch pages preferring node `a` until one lands elsewhere, then
        // move pages onto it, FILL_CHUNK at a time, until move_pages() fails.
        const node = Number(a);
        const len = (m0 + m1) * MiB;
        const addr = doMmap(k, mm, len);
        if (addr < 0) throw new Error(`${scenario.name} step ${step}: mmap fill failed: ${addr}`);
        const fault = (p) => {
          if (p >= len / PAGE) throw new Error(`${scenario.name} step ${step}: fill: node ${node} never filled`);
          if (touch(addr + p * PAGE, true, node) !== ACCESS_OK) throw new Error(`${scenario.name} step ${step}: fill fault failed`);
        };
        let p = 0;
        for (; ; p++) {
          fault(p);
          if (k.folioNid(folioWalkStart(k, mm, addr + p * PAGE)) !== node) break;
        }
        const sys = syscalls(k, task);
        for (p++; ; p += FILL_CHUNK) {
          const pages = [];
          for (let j = 0; j < FILL_CHUNK; j++) {
            fault(p + j);
            pages.push(addr + (p + j) * PAGE);
          }
          const status = new Int32Array(FILL_CHUNK);
          if (
            sys.movePages(
              0,
              FILL_CHUNK,
              pages,
              pages.map(() => node),
              status,
              MPOL_MF_MOVE,
            ) !== 0
          )
            break;
        }
        break;
      }
      case "move":
      case "query": {
        const r = region(a);
        const idx = parseSpec(b);
        const pages = idx.map((p) => r.addr + p * PAGE);
        const list = op === "move" ? parseSpec(c) : [];
        const nodes = op === "move" ? idx.map((_, j) => list[list.length === 1 ? 0 : j]) : null;
        const flags = op !== "move" ? 0 : d === "move" ? MPOL_MF_MOVE : d === "all" ? MPOL_MF_MOVE_ALL : d === "bad" ? BAD_FLAG : 0;
        const status = new Int32Array(idx.length).fill(UNWRITTEN);
        call(step, op === "move" ? "move_pages" : "query", () => ({
          ...userRc(syscalls(k, task).movePages(0, idx.length, pages, nodes, status, flags)),
          status: Array.from(status),
        }));
        break;
      }
      case "migrate":
        call(step, "migrate_pages", () => userRc(syscalls(k, task).migratePages(0, 64, userNodemask(nodesOfMask(a)), userNodemask(nodesOfMask(b)))));
        break;
      default:
        throw new Error(`${scenario.name} step ${step}: unknown step "${op}"`);
    }
  });
  return records;
}
