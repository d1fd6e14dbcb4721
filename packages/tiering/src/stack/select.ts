/**
 * Selection: the r-th smallest of an array without sorting it, for the placements that need the
 * `need` coldest of a fast tier's folios each epoch (a native sort of all of them was the larger
 * part of that work).
 */

/** The r-th smallest (0-based) of a, which it reorders: Hoare's selection, O(n) expected. */
export function nthSmallest(a: Float64Array, r: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // the median of three as the pivot: sorted or constant input stays linear
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    // [lo, j] <= pivot <= [i, hi], and j < i; between them, values equal to the pivot
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r]!;
  }
  return a[r]!;
}
