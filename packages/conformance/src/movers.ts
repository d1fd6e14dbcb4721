/**
 * The movers the conformance suite can run: foliox's exchange, and seed-literal — the same
 * template with the seed's defects (docs/decisions.md#seed-defects) switched on (all of them,
 * or one defect's switches with "seed-literal:9b.N").
 */
import { NO_QUIRKS } from "@foliox/core";
import { SEED_DEFECTS, SEED_LITERAL_QUIRKS, seedLiteralQuirks } from "./seed-literal.js";
import type { Mover } from "./types.js";

export const FOLIOX_MOVER: Mover = {
  name: "foliox",
  description: "foliox's folio exchange (the seed's design with none of its defects: docs/decisions.md#seed-defects)",
  quirks: NO_QUIRKS,
};

export const SEED_LITERAL_MOVER: Mover = {
  name: "seed-literal",
  description: "the seed's mm/exchange.c as written: every seed defect switched on (docs/decisions.md#seed-defects)",
  quirks: SEED_LITERAL_QUIRKS,
};

/** "foliox", "seed-literal", then "seed-literal:9b.1" … "seed-literal:9b.9". */
export const MOVER_NAMES: readonly string[] = ["foliox", "seed-literal", ...SEED_DEFECTS.map((d) => `seed-literal:${d.id}`)];

export function moverByName(name: string): Mover {
  if (name === "foliox") return FOLIOX_MOVER;
  if (name === "seed-literal") return SEED_LITERAL_MOVER;
  const m = /^seed-literal:(9b\.\d)$/.exec(name);
  const defect = m && SEED_DEFECTS.find((d) => d.id === m[1]);
  if (!defect) throw new RangeError(`unknown mover "${name}"; choose one of: ${MOVER_NAMES.join(", ")}`);
  return { name, description: `seed-literal with only seed defect ${defect.id}: ${defect.title}`, quirks: seedLiteralQuirks([defect.id]) };
}
