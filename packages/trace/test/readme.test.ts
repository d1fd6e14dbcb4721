/** The README's example, run as written on the lackey fixture (keep the two in step). */
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { convertTrace, createTraceReadStats, readTrace, summarizeTrace } from "../src/index.js";

const FILE = fileURLToPath(new URL("./fixtures/lackey-true.txt.gz", import.meta.url));

it("the README's example reads, summarises and converts a gzipped lackey trace", async () => {
  const stats = createTraceReadStats(FILE);
  let stores = 0;
  let entries = 0;
  for await (const b of readTrace(FILE, { stats })) {
    for (let i = 0; i < b.length; i++) stores += b.write[i]!;
    entries += b.length;
  }
  expect(stats.format).toBe("lackey");
  expect(stats.compression).toBe("gzip");
  expect(stats.records).toBe(entries);
  expect(stats.stores).toBe(stores);
  expect(stores).toBeGreaterThan(0);
  const s = await summarizeTrace(FILE, { top: 5 });
  expect(s.accesses).toBe(entries);
  expect(s.topPages.length).toBeLessThanOrEqual(5);
  const out: string[] = [];
  await convertTrace(FILE, { to: "csv", write: (chunk) => void out.push(chunk.toString()) });
  const lines = out.join("").trimEnd().split("\n");
  expect(lines[0]).toBe("t,pid,addr,op,size");
  expect(lines).toHaveLength(entries + 1);
});
