/**
 * One folio's state as table cells, for the human renderers. A value that differs from the
 * previous snapshot gets a trailing " *".
 */
import type { FolioState, PteRef } from "../exchange/snapshot.js";

export const FOLIO_ROWS = ["pfn", "flags", "mapping", "index", "ref/map", "ptes"] as const;

/** "PG_uptodate" -> "uptodate", joined. */
function flagsText(flags: readonly string[]): string {
  return flags.length ? flags.map((f) => f.replace(/^PG_/, "")).join(",") : "-";
}

/**
 * PTEs grouped into runs of consecutive addresses with the same pid, kind and young bit:
 * "pid 1 0x7f..000 present-rw young", or "pid 1 0x…000-0x…fff 512x present-rw young".
 */
export function ptesText(ptes: readonly PteRef[]): string[] {
  if (ptes.length === 0) return ["-"];
  const out: string[] = [];
  let i = 0;
  while (i < ptes.length) {
    const first = ptes[i]!;
    let j = i + 1;
    while (
      j < ptes.length &&
      ptes[j]!.pid === first.pid &&
      ptes[j]!.kind === first.kind &&
      ptes[j]!.young === first.young &&
      Number(ptes[j]!.addr) === Number(ptes[j - 1]!.addr) + 4096
    ) {
      j++;
    }
    const n = j - i;
    const age = first.young ? "young" : "old";
    if (n === 1) out.push(`pid ${first.pid} ${first.addr} ${first.kind} ${age}`);
    else out.push(`pid ${first.pid} ${first.addr}-0x${(Number(ptes[j - 1]!.addr) + 4095).toString(16)} ${n}x ${first.kind} ${age}`);
    i = j;
  }
  return out;
}

function values(s: FolioState): Record<(typeof FOLIO_ROWS)[number], string[]> {
  return {
    pfn: [`${s.pfn} (node ${s.nid}, order ${s.order})`],
    flags: [flagsText(s.flags)],
    mapping: [s.mapping],
    index: [`0x${s.index.toString(16)}`],
    "ref/map": [`${s.refcount} / ${s.mapcount}`],
    ptes: ptesText(s.ptes),
  };
}

/** Cells for each row of FOLIO_ROWS, marking what changed since `prev`. */
export function folioCells(s: FolioState, prev: FolioState | null): string[][] {
  const now = values(s);
  const was = prev ? values(prev) : null;
  return FOLIO_ROWS.map((row) => {
    const cell = now[row];
    const changed = was !== null && cell.join("\n") !== was[row].join("\n");
    return changed ? cell.map((l, i) => (i === 0 ? `${l} *` : l)) : cell;
  });
}
