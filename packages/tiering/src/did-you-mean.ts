/**
 * "Did you mean": the closest of a list of names to a misspelt one, for every message that
 * rejects a name (a scenario field, a stack, a stack part, a named scenario).
 */

/** Levenshtein distance, case-insensitive. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The closest choice, if it is close enough to be a likely typo. */
export function didYouMean(word: string, choices: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    const dd = distance(word, c);
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** `"x" is not a registered <what>; did you mean "y"? registered: a, b, c` */
export function unknownNameMessage(what: string, name: string, choices: readonly string[]): string {
  const guess = didYouMean(name, choices);
  return `${JSON.stringify(name)} is not a registered ${what}; ${guess ? `did you mean "${guess}"? ` : ""}registered: ${choices.join(", ")}`;
}
