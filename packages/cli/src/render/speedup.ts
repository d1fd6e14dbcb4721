/**
 * A runtime against a baseline's, said so that it cannot be misread. "193.0% faster" for
 * 399 → 136 ms is the runtime ratio minus one, which reads as if the time had dropped by
 * nearly twice itself; what happened is that the run took 2.93 times less time, 66% less. So
 * a speed-up is a factor ("2.93× faster") with the change in runtime beside it ("−65.9%
 * runtime"), and a slow-down the same way round ("1.25× slower, +25.0% runtime").
 */

/** Below this relative difference two runtimes are "the same". */
const SAME = 0.0005;

/** "2.93× faster, −65.9% runtime", "1.25× slower, +25.0% runtime", "same runtime". */
export function formatSpeedup(baselineNs: number, runtimeNs: number): string {
  if (!(baselineNs > 0) || !(runtimeNs > 0)) return "n/a";
  const change = runtimeNs / baselineNs - 1;
  if (Math.abs(change) < SAME) return "same runtime";
  const pct = `${change < 0 ? "−" : "+"}${Math.abs(100 * change).toFixed(1)}% runtime`;
  return change < 0 ? `${(baselineNs / runtimeNs).toFixed(2)}× faster, ${pct}` : `${(runtimeNs / baselineNs).toFixed(2)}× slower, ${pct}`;
}
