/**
 * Human output of `foliox exchange`: the system and its memory pressure, the failed promotion
 * step by step, the exchange step by step (both folios after each step), the checks and the
 * counters that matter.
 */
import { errnoName } from "@foliox/core";
import type { ExchangeDemoReport } from "../exchange/run.js";
import type { FolioState } from "../exchange/snapshot.js";
import { FOLIO_ORDERS } from "../options.js";
import { FOLIO_ROWS, folioCells } from "./folio-cells.js";
import { renderTable, type Cell } from "./table.js";

const MiB = 1024 * 1024;

function rcText(rc: number): string {
  return rc < 0 ? `${errnoName(rc)} (${rc})` : String(rc);
}

function header(r: ExchangeDemoReport): string[] {
  const nodes = r.system.nodes.map((n) => [`node ${n.nid}`, n.name, `${n.bytes / MiB} MiB`, `${n.pages} pages`, `zone ${n.zone}`, `${n.tier} tier`]);
  const zoneRows: Cell[][] = [["node", "zone", "free", "min", "low", "high", "promo", "full"]];
  for (const p of r.pressure.nodes) {
    for (const z of p.zones) zoneRows.push([p.nid, z.zone, z.free, z.min, z.low, z.high, z.promo, p.full ? "yes" : "NO"]);
  }
  const [fastFill, slowFill] = r.pressure.filled;
  return [
    "foliox exchange: swap a hot slow-tier folio with a cold fast-tier folio when no page is free",
    `  kernel ${r.kernel} model, seed ${r.seed}, order ${r.order} (${FOLIO_ORDERS[r.order] ?? "folios"}), ${r.bytes ? "bytes mode (real 4 KiB pages)" : "token mode"}`,
    "",
    `System (${r.system.topology})`,
    renderTable(nodes),
    "",
    "Memory pressure: both nodes full",
    `  full = ${r.pressure.definition}`,
    renderTable(zoneRows),
    `  fillers faulted ${fastFill} pages (home node 0) and ${slowFill} pages (home node 1); ` +
      (r.pressure.reclaimFailed ? "the last fault ran direct reclaim, which freed nothing: out of memory" : "the fill did not end in a failed reclaim"),
    "",
    `Hot folio   pfn ${r.hot.pfn} on node ${r.hot.nid}, mapped by pid ${r.hot.pid} at ${r.hot.addr}`,
    `Cold folio  pfn ${r.cold.pfn} on node ${r.cold.nid}, mapped by pid ${r.cold.pid} at ${r.cold.addr}`,
  ];
}

function folioTable(columns: { title: string; state: FolioState; prev: FolioState | null }[]): string {
  const cells = columns.map((c) => folioCells(c.state, c.prev));
  const rows: Cell[][] = [["", ...columns.map((c) => c.title)]];
  FOLIO_ROWS.forEach((name, i) => rows.push([name, ...cells.map((c) => c[i]!)]));
  return renderTable(rows, "      ", "   ");
}

function migrateSection(r: ExchangeDemoReport): string[] {
  const m = r.migrate;
  const out = [
    "",
    `1. Promote the hot folio: ${m.call}(${m.mode}, ${m.reason}) to node ${m.targetNid}`,
    `   get_new_folio = ${m.getNewFolio}: ${m.gfp}`,
    `   (${m.note})`,
  ];
  let prev: FolioState | null = null;
  m.steps.forEach((s, i) => {
    out.push(`   [${i + 1}/${m.steps.length}] ${s.step}  rc ${rcText(s.rc)}`);
    out.push(folioTable([{ title: "hot folio", state: s.folio, prev }]));
    prev = s.folio;
  });
  const stats = m.stats ? `, mm_migrate_pages: succeeded ${m.stats.succeeded}, failed ${m.stats.failed}` : "";
  out.push(`   => migrate_pages returned ${rcText(m.rc)} after ${m.allocations} page-allocator call(s)${stats}`);
  return out;
}

function exchangeSection(r: ExchangeDemoReport): string[] {
  const x = r.exchange;
  const out = ["", `2. Exchange it with the cold folio: ${x.call}(old = hot, new = cold, ${x.mode})`, "   (* = changed by this step)"];
  let prev = x.before;
  const n = x.steps.length;
  const w = String(n).length;
  x.steps.forEach((s, i) => {
    out.push(`   [${String(i + 1).padStart(w)}/${n}] ${s.step}  rc ${s.rc}`);
    out.push(
      folioTable([
        { title: "old (hot at start)", state: s.old, prev: prev.old },
        { title: "new (cold at start)", state: s.new, prev: prev.new },
      ]),
    );
    prev = s;
  });
  out.push(`   => folio_exchange returned ${rcText(x.rc)} after ${x.allocations} page-allocator call(s)`);
  return out;
}

function checksSection(r: ExchangeDemoReport): string[] {
  const out = ["", "Checks"];
  for (const e of r.expectations) out.push(`  ${e.ok ? "ok  " : "FAIL"}  ${e.name}: ${e.actual}${e.ok ? "" : ` (expected ${e.expected}: ${e.why})`}`);
  out.push(`  integrity checked ${r.integrity.pagesChecked} virtual pages over all processes`);
  const ev = Object.entries(r.vmstat.events)
    .map(([name, v]) => `${name} ${v}${r.vmstat.folioxOwn.includes(name) ? " (foliox's own)" : ""}`)
    .join(", ");
  out.push("", "vmstat", `  ${ev}`);
  const rows: Cell[][] = [["node", "nr_free_pages", "min", "low", "high", "promo", "nr_isolated_anon", "nr_isolated_file"]];
  for (const nd of r.vmstat.nodes) {
    rows.push([
      nd.nid,
      nd.nr_free_pages,
      nd.watermarks.min,
      nd.watermarks.low,
      nd.watermarks.high,
      nd.watermarks.promo,
      nd.nr_isolated_anon,
      nd.nr_isolated_file,
    ]);
  }
  out.push(renderTable(rows));
  const last = r.exchange.steps[r.exchange.steps.length - 1];
  if (r.exchange.rc === 0 && last) {
    out.push(
      "",
      `Result: the hot data now sits on node ${last.new.nid} (pfn ${last.new.pfn}) and the cold data on node ${last.old.nid} (pfn ${last.old.pfn}), ` +
        `with no free page and ${r.exchange.allocations} allocations; migrate_pages could not do it (${r.migrate.errno}).`,
    );
  }
  out.push(
    r.ok
      ? "All expectations met."
      : `Expectations failed: ${r.expectations
          .filter((e) => !e.ok)
          .map((e) => e.name)
          .join(", ")}.`,
  );
  return out;
}

export function renderExchangeText(r: ExchangeDemoReport): string {
  return [...header(r), ...migrateSection(r), ...exchangeSection(r), ...checksSection(r)].join("\n") + "\n";
}
