/**
 * Option-argument parsers shared by commands. Each throws commander's InvalidArgumentError with
 * a message that says what to pass; commander prints it and main() exits 2.
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";

/** --seed <n>: an integer (the PRNG is seeded with its low 32 bits). */
export function parseSeed(value: string): number {
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`pass an integer, e.g. --seed 1 (the same seed gives the same run, byte for byte)`);
  }
  return n;
}

/** Folio orders a command accepts, with what each means. */
export const FOLIO_ORDERS: Readonly<Record<number, string>> = {
  0: "4 KiB base-page folios",
  9: "2 MiB folios, PTE-mapped",
};

/** --order <n>: 0 or 9. */
export function parseOrder(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n in FOLIO_ORDERS)) {
    const choices = Object.entries(FOLIO_ORDERS)
      .map(([o, what]) => `--order ${o} (${what})`)
      .join(" or ");
    throw new InvalidArgumentError(`pass ${choices}`);
  }
  return n;
}
