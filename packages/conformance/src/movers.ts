/**
 * The movers the conformance suite can run: foliox's exchange, and seed-literal — foliox's
 * template subclassed where the seed's code differs (SeedLiteralExchange), with all of the seed's
 * defects (docs/decisions.md#seed-defects) or only one ("seed-literal:9b.N").
 */
import { EXCHANGE_FOLIOS, FOLIO_EXCHANGE } from "@foliox/core";
import { SEED_DEFECTS } from "./seed-literal.js";
import { SeedLiteralExchange, SeedLiteralExchangeFolios } from "./seed-literal-exchange.js";
import type { Mover } from "./types.js";

export const FOLIOX_MOVER: Mover = Object.freeze({
  name: "foliox",
  description: "foliox's folio exchange (the seed's design with none of its defects: docs/decisions.md#seed-defects)",
  exchange: FOLIO_EXCHANGE,
  exchangeFolios: EXCHANGE_FOLIOS,
});

/** A seed-literal mover with the named defects ("9b.4"), or all of them. */
export function seedLiteralMover(name: string, description: string, ids?: readonly string[]): Mover {
  const exchange = new SeedLiteralExchange(ids);
  const exchangeFolios = new SeedLiteralExchangeFolios(exchange);
  Object.freeze(exchange);
  Object.freeze(exchangeFolios);
  return Object.freeze({ name, description, exchange, exchangeFolios });
}

export const SEED_LITERAL_MOVER: Mover = seedLiteralMover(
  "seed-literal",
  "the seed's mm/exchange.c as written: every seed defect put back (docs/decisions.md#seed-defects)",
);

/** "foliox", "seed-literal", then "seed-literal:9b.1" … "seed-literal:9b.9". */
export const MOVER_NAMES: readonly string[] = ["foliox", "seed-literal", ...SEED_DEFECTS.map((d) => `seed-literal:${d.id}`)];

export function moverByName(name: string): Mover {
  if (name === "foliox") return FOLIOX_MOVER;
  if (name === "seed-literal") return SEED_LITERAL_MOVER;
  const m = /^seed-literal:(9b\.\d)$/.exec(name);
  const defect = m && SEED_DEFECTS.find((d) => d.id === m[1]);
  if (!defect) throw new RangeError(`unknown mover "${name}"; choose one of: ${MOVER_NAMES.join(", ")}`);
  return seedLiteralMover(name, `seed-literal with only seed defect ${defect.id}: ${defect.title}`, [defect.id]);
}
