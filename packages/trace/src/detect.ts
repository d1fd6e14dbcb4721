/**
 * Format detection from the first bytes of a trace (decompressed: detect gzip first with
 * detectTraceCompression, which readTrace does). Looks at the first 50 lines that are neither
 * blank nor comments; returns undefined when nothing matches.
 */
import { isTraceBinary } from "./binary.js";
import { latin1 } from "./bytes.js";
import { detectTraceCompression } from "./source.js";
import type { TraceFormat } from "./types.js";

const LACKEY = /^(?:I\s+|\s+[LSM]\s+)[0-9a-fA-F]+,\d+$/;
const VALGRIND_BANNER = /^(?:==\d+==|--\d+--)/;
const PIN = /^(?:0x)?[0-9a-fA-F]+:\s+[RWrw]\s+(?:0x)?[0-9a-fA-F]+(?:\s+\d+)?$/;
const PERF_EVENT = /(?:^|\s)\S*(?:mem-loads|mem-stores|ldlat|mem_inst|mem_uops|mem_load|mem_trans|ibs_op|arm_spe|load|store)\S*:\s+(?:0x)?[0-9a-fA-F]+(?:\s|$)/;
const PERF_TIME = /(?:^|\s)\d+\.\d+:\s+(?:\d+\s+)?\S+:\s+(?:0x)?[0-9a-fA-F]+(?:\s|$)/;

export function detectTraceFormat(firstBytes: Uint8Array): TraceFormat | undefined {
  const compression = detectTraceCompression(firstBytes);
  if (compression === "zlib") return "damo"; // damo record's default json_compressed
  if (compression === "gzip") return undefined; // decompress first
  if (isTraceBinary(firstBytes)) return "bin";
  const text = latin1(firstBytes, 0, Math.min(firstBytes.length, 64 * 1024));
  const all = text.split("\n");
  // the last line may be cut short, unless it is the only one
  const lines = all.length > 1 && !text.endsWith("\n") ? all.slice(0, -1) : all;
  let seen = 0;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, "");
    const trimmed = line.trim();
    if (trimmed === "") continue;
    if (trimmed === "#eof") return "pin";
    if (trimmed.startsWith("#")) continue;
    if (seen++ >= 50) break;
    if (seen === 1) {
      if (trimmed.startsWith("[")) return "damo";
      if (trimmed.startsWith("{")) {
        try {
          const o = JSON.parse(trimmed) as Record<string, unknown>;
          if ("addr" in o) return "jsonl";
          if ("snapshots" in o) return "damo";
        } catch {
          return "damo"; // a JSON document over several lines
        }
      }
      const cols = trimmed.split(",").map((c) => c.trim().toLowerCase());
      if (cols.length >= 5 && cols.includes("addr") && cols.includes("op") && cols.includes("t")) return "csv";
    }
    if (VALGRIND_BANNER.test(trimmed)) return "lackey";
    if (LACKEY.test(line.trimEnd())) return "lackey";
    if (PIN.test(trimmed)) return "pin";
    if (PERF_EVENT.test(line) || PERF_TIME.test(line)) return "perf";
  }
  return undefined;
}
