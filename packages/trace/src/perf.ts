/**
 * `perf mem` importer: the text of `perf script` on a `perf mem record` perf.data, one sampled
 * load or store per line, as a weighted sample.
 *
 * Accepted lines: perf prints the fields it is asked for in a fixed order, and this importer
 * reads that order; any subset works as long as it contains `event` and `addr`:
 *
 *     [comm] [pid/tid | pid | tid] [[cpu]] [time:] [period] <event>: <addr> [sym (dso) of addr]
 *       [data_src |OP …|LVL …|SNP …|TLB …|LCK …|BLK …] [weight] [ip sym (dso) …]
 *
 * Recommended: `perf script -F pid,tid,time,period,event,addr,weight`, e.g.
 *
 *      4242/4242  3193.464301:       5003 cpu/mem-loads,ldlat=30/P:     7ffd5c3a1b28        57
 *      4242/4243  3193.464322:      20011 cpu/mem-stores/P:     55d2c1a4f010         0
 *
 * and plain `perf script` (perf 6.1 default for these events: comm tid time period event addr
 * data_src weight ip sym dso), e.g.
 *
 *      ls  1820  3193.464301:  5003 cpu/mem-loads,ldlat=30/P:  7ffd5c3a1b28   1e05080021 |OP LOAD|LVL L1 hit|SNP None|TLB L1 or L2 hit|LCK No|BLK  N/A   57  55d2c0e1a2b4 main+0x14 (/tmp/a.out)
 *
 * - event: the first token after the time that ends with ':'. Load or store comes from the
 *   decoded data_src (`|OP LOAD`, `|OP STORE`) when printed, else from the event name
 *   (contains "store": a store; "load" or "ldlat": a load). Anything else is an error.
 * - pid: the part before '/' of pid/tid; else the number before the time (with only `tid`
 *   printed, the tid). Without time and pid/tid, one number is the pid, two are pid and period.
 * - period: the number between time and event. weight: the number after addr (after its
 *   sym/dso and after the data_src block when printed).
 * - t: the time in ns (perf prints seconds); without a time field, sample n gets n * nsPerAccess.
 * - weight of the entry (perfWeight): "period" (default; the sampled load/store stands for
 *   `period` of them; 1 when no period is printed), "weight" (perf's weight field: the load
 *   latency in cycles on Intel, often 0 for stores), or "one".
 * - size 0 (perf does not give it). Blank lines, `#` lines and indented callchain lines
 *   (`\t ip sym (dso)`) are skipped. Addresses of 2^53 or more (kernel addresses) are
 *   rejected: record user space only (`perf mem record -U`) or filter them out.
 */
import type { TraceBatch } from "./batch.js";
import { HEX, MAX_TRACE_ADDR } from "./bytes.js";
import { quoteTraceText, TraceParseError } from "./errors.js";
import type { TraceLineParser, TracePerfWeight, TraceReadStats } from "./types.js";

const EXPECTED_SAMPLE =
  'a perf script sample "[comm] [pid/tid] [time:] [period] <event>: <addr> …" (print it with perf script -F pid,tid,time,period,event,addr,weight)';

const TIME = /^(\d+)(?:\.(\d{1,9}))?:$/;
const DEC = /^\d+$/;
const PIDTID = /^(\d+)\/(\d+)$/;
const HEXTOK = /^(?:0x)?[0-9a-fA-F]+$/;
const BLK_WORDS = new Set(["N/A", "Data", "Addr"]);

export class PerfScriptParser implements TraceLineParser {
  readonly maxPerLine = 1;
  private n = 0;
  private meaningSet = false;

  constructor(
    private readonly file: string,
    private readonly stats: TraceReadStats,
    private readonly mode: TracePerfWeight = "period",
    private readonly ns = 1,
  ) {
    stats.weighted = mode !== "one";
    stats.weightMeaning = mode === "one" ? "1 per sample" : mode === "weight" ? "perf weight field (latency)" : "perf sample period";
  }

  line(b: Uint8Array, s: number, e: number, lineNo: number, batch: TraceBatch): void {
    const raw = (b as Buffer).toString("latin1", s, e);
    const text = raw.trim();
    if (text === "" || text.startsWith("#")) {
      this.stats.skipped++;
      return;
    }
    const tok = text.split(/\s+/);
    let ev = -1;
    let ti = -1;
    for (let i = 0; i < tok.length; i++) {
      const x = tok[i]!;
      if (!x.endsWith(":")) continue;
      if (ti < 0 && TIME.test(x)) {
        ti = i;
        continue;
      }
      ev = i;
      break;
    }
    if (ev < 0) {
      // callchain line under a sample: indented "ip sym (dso)"
      if ((raw.startsWith("\t") || raw.startsWith(" ")) && HEXTOK.test(tok[0]!) && this.n > 0) {
        this.stats.skipped++;
        return;
      }
      throw new TraceParseError(this.file, lineNo, EXPECTED_SAMPLE, quoteTraceText(raw));
    }
    const event = tok[ev]!.slice(0, -1);

    // pid and period: the numbers before the event
    let pid = 0;
    let period = NaN;
    let slash = -1;
    for (let i = 0; i < ev; i++) {
      const m = PIDTID.exec(tok[i]!);
      if (m) {
        pid = Number(m[1]);
        slash = i;
        break;
      }
    }
    const nums: number[] = [];
    for (let i = 0; i < ev; i++) if (i !== ti && i !== slash && DEC.test(tok[i]!)) nums.push(i);
    if (slash >= 0 || ti >= 0) {
      const cut = Math.max(slash, ti);
      if (slash < 0) {
        const before = nums.filter((i) => i < ti);
        if (before.length > 0) pid = Number(tok[before[before.length - 1]!]);
      }
      const after = nums.filter((i) => i > cut);
      if (after.length > 0) period = Number(tok[after[0]!]);
    } else if (nums.length >= 2) {
      pid = Number(tok[nums[nums.length - 2]!]);
      period = Number(tok[nums[nums.length - 1]!]);
    } else if (nums.length === 1) {
      pid = Number(tok[nums[0]!]);
    }
    if (pid > 0x7fffffff) throw new TraceParseError(this.file, lineNo, "a pid below 2^31", quoteTraceText(raw));

    // the data address
    const at = tok[ev + 1];
    if (at === undefined || !HEXTOK.test(at)) {
      throw new TraceParseError(
        this.file,
        lineNo,
        `the sample's data address (hex) after the event "${event}:" (print it with perf script -F …,event,addr,…)`,
        at === undefined ? `nothing after the event in ${quoteTraceText(raw)}` : `${quoteTraceText(at)} in ${quoteTraceText(raw)}`,
      );
    }
    let addr = 0;
    for (let i = at.startsWith("0x") ? 2 : 0; i < at.length; i++) addr = addr * 16 + HEX[at.charCodeAt(i)]!;
    if (addr > MAX_TRACE_ADDR) {
      throw new TraceParseError(
        this.file,
        lineNo,
        "a user-space data address below 2^53 (record with perf mem record -U, or filter kernel samples out)",
        quoteTraceText(at),
      );
    }

    // load or store
    let write = -1;
    const opAt = text.indexOf("|OP ");
    if (opAt >= 0) {
      const end = text.indexOf("|", opAt + 4);
      const op = text.slice(opAt + 4, end < 0 ? undefined : end);
      if (op.includes("STORE")) write = 1;
      else if (op.includes("LOAD")) write = 0;
    }
    if (write < 0) {
      const ev2 = event.toLowerCase();
      if (ev2.includes("store")) write = 1;
      else if (ev2.includes("load") || ev2.includes("ldlat")) write = 0;
    }
    if (write < 0) {
      throw new TraceParseError(
        this.file,
        lineNo,
        'a load or store sample: an event named like mem-loads or mem-stores, or a data_src of "|OP LOAD" or "|OP STORE"',
        `event "${event}"${opAt >= 0 ? ` with data_src ${quoteTraceText(text.slice(opAt, opAt + 16))}` : ""}`,
      );
    }

    // the weight (latency) field: after addr [sym (dso)] [data_src block]
    let latency = NaN;
    if (this.mode === "weight") {
      let rest: string[];
      if (opAt >= 0) {
        rest = text
          .slice(text.lastIndexOf("|") + 1)
          .trim()
          .split(/\s+/);
        let i = 1; // the last block's name (BLK)
        while (i < rest.length && BLK_WORDS.has(rest[i]!)) i++;
        rest = rest.slice(i);
      } else {
        rest = tok.slice(ev + 2);
        if (rest.length > 0 && !DEC.test(rest[0]!)) {
          const close = rest.findIndex((x) => x.endsWith(")"));
          if (close >= 0) rest = rest.slice(close + 1);
        }
      }
      if (rest.length > 0 && DEC.test(rest[0]!)) latency = Number(rest[0]);
      if (Number.isNaN(latency)) {
        throw new TraceParseError(this.file, lineNo, "a weight field after the address (print it with perf script -F …,addr,weight)", quoteTraceText(raw));
      }
    }

    let t: number;
    if (ti >= 0) {
      const m = TIME.exec(tok[ti]!)!;
      const frac = m[2] ?? "";
      t = Number(m[1]) * 1e9 + (frac === "" ? 0 : Number(frac) * 10 ** (9 - frac.length));
    } else {
      t = this.n * this.ns;
    }
    if (!this.meaningSet) {
      this.meaningSet = true;
      if (this.mode === "period" && Number.isNaN(period)) this.stats.weightMeaning = "1 per sample (no period printed)";
      this.stats.timeMeaning = ti >= 0 ? "perf time field (ns)" : `synthesized: ${this.ns} ns per sample (no time printed)`;
    }
    const weight = this.mode === "one" ? 1 : this.mode === "weight" ? latency : Number.isNaN(period) ? 1 : period;
    this.n++;
    batch.push(t, pid, addr, write, 0, weight);
    this.stats.stores += write;
  }

  finish(): void {}
}
