/** Shared by the trace importer tests: every entry of a trace as plain objects. */
import { readTrace, type TraceReadOptions, type TraceSource } from "../src/index.js";

export interface Entry {
  t: number;
  pid: number;
  addr: number;
  write: number;
  size: number;
  weight: number;
}

export async function collect(src: string | TraceSource, opts: TraceReadOptions = {}): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const b of readTrace(src, opts)) {
    for (let i = 0; i < b.length; i++) out.push({ t: b.t[i]!, pid: b.pid[i]!, addr: b.addr[i]!, write: b.write[i]!, size: b.size[i]!, weight: b.weight[i]! });
  }
  return out;
}
