/**
 * The interleaving explorer: a small scenario of two to four kernel operations, each written as
 * a step machine (ExploreOp: a folio exchange phase by phase, one folio's migrate_pages_batch(),
 * a fault, read(2), truncate, ksmd's scan, a writeback completion…), run in every order of
 * their steps up to a bound, with the model's checks after every step.
 *
 * The kernel runs these operations on several CPUs at once; the model runs one step at a time,
 * so "at once" means "in some interleaving of their steps". Trying a few by hand finds the bugs
 * one thinks of. This enumerates them systematically, as CHESS does (Musuvathi and Qadeer,
 * "Iterative context bounding for systematic testing of multithreaded programs", PLDI 2007):
 * - a *schedule* is the list of op indices that took each step, [0, 0, 1, 0, 1, 1] — nothing
 *   else decides what happens, so a schedule replays the run exactly;
 * - a *preemption* is a switch away from an op that could have taken its next step; switching
 *   away from an op that finished or blocked is free. Schedules with at most K preemptions are
 *   enumerated, depth first (stateless: every schedule runs from a fresh system built by the
 *   scenario), until the space is exhausted or the budget of interleavings is spent. Most
 *   concurrency bugs need only one or two preemptions, and the bound keeps the space small;
 * - an op whose step would sleep on a lock (a folio lock another op holds, a fault on a
 *   migration entry) reports STEP_BLOCKED and is not offered again until another op has moved
 *   or its own runnable() says so; the holder is one of the ops, which the explorer schedules.
 *   (A sleep on I/O in flight completes it, as the device would: no op stands for the device.)
 *   When every unfinished op is blocked, that is a deadlock: a violation, with the schedule
 *   that led there.
 *
 * After every step the checks run (EXPLORE_CHECKS by default): checkInvariants() (quiescent once
 * every op is done), checkIntegrity() (both skipped while an op is inside a window its design
 * leaves open: an exchange between its data swap and its remap, ExploreOp.consistent), and lockdep: an inversion or recursive locking is a KernelBug
 * thrown at the acquisition, caught here with both chains; the wait model's deadlock count
 * must stay 0; at the end no op holds a lock and no folio is left locked. Each op can also
 * report what it saw wrong (a read that returned someone else's data: ExploreOp.problems) and
 * check its result at the end (finalCheck). Any exception a step throws is a violation too.
 *
 * Deterministic: the scenario builds the same system every time (fixed seed), and the choice
 * of step follows the schedule only. A violation carries its schedule and replay(), which runs
 * it again and returns the step-by-step trace.
 *
 * In debug/ (with the checks it runs), above everything it drives. Backends' operations (ksmd's
 * scan) are ExploreOps written in their packages; the scenarios that combine backends live with
 * the host that has them (the CLI's `foliox explore`).
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { locksHeld, type LockHolder } from "../kernel/lockdep.js";
import { PG_head, PG_locked } from "../mm/page-flags.js";
import { checkIntegrity } from "./integrity.js";
import { checkInvariants } from "./invariants.js";

/** step() results */
export const STEP_RAN = 0;
/** the op finished with this step */
export const STEP_DONE = 1;
/** the step would sleep: nothing happened that needs undoing, retry once something else moved */
export const STEP_BLOCKED = 2;

/** One operation as a step machine. */
export interface ExploreOp {
  /** in reports: "folio_exchange(A, B, MIGRATE_SYNC)" */
  readonly name: string;
  readonly done: boolean;
  /** what the next step() does, for traces: "lock", "unmap" */
  readonly nextStep: string;
  /** Take one step: STEP_RAN, STEP_DONE or STEP_BLOCKED. */
  step(): number;
  /** After STEP_BLOCKED: may it be offered again already? (default: only once another op moved) */
  runnable?(): boolean;
  /**
   * Do the whole-system checks hold with this op between its steps? False only inside a window
   * the op's design leaves open: an exchange between its mapping and data swap and its remap,
   * whose migration entries still name the frames the data and the mapping have left.
   */
  consistent?(): boolean;
  /** what this op saw go wrong in its last step (a wrong result); the engine drains it after every step */
  readonly problems: string[];
  /** after every op is done: what this op must have achieved */
  finalCheck?(): string[];
  /** the lock holder it takes locks as (lockdep, the wait model), if it has its own */
  readonly owner?: LockHolder;
}

/** A scenario's system and ops, built afresh for every interleaving. */
export interface ExploreInstance {
  k: Kernel;
  ops: ExploreOp[];
  /** after every op is done: what the scenario as a whole must hold */
  finalCheck?(): string[];
}

export interface ExploreScenario {
  readonly name: string;
  readonly description: string;
  /** Build the system and the ops: deterministic, called once per interleaving. */
  build(): ExploreInstance;
}

/** What a check sees besides the kernel. */
export interface ExploreCheckContext {
  readonly ops: readonly ExploreOp[];
  /** every op is done: the system must be quiescent */
  readonly allDone: boolean;
}

/** A check run after every step: the problems it finds, as sentences. */
export interface ExploreCheck {
  readonly name: string;
  check(k: Kernel, ctx: ExploreCheckContext): string[];
}

/** Is every op between its steps in a state the whole-system checks apply to? */
function consistent(ops: readonly ExploreOp[]): boolean {
  for (const op of ops) if (op.consistent && !op.consistent()) return false;
  return true;
}

export const INVARIANTS_CHECK: ExploreCheck = Object.freeze({
  name: "invariants",
  check: (k: Kernel, ctx: ExploreCheckContext) => (consistent(ctx.ops) ? checkInvariants(k, { quiescent: ctx.allDone }) : []),
});

export const INTEGRITY_CHECK: ExploreCheck = Object.freeze({
  name: "integrity",
  check(k: Kernel, ctx: ExploreCheckContext): string[] {
    if (!consistent(ctx.ops)) return [];
    const r = checkIntegrity(k);
    return r.violations.map(
      (v) =>
        `integrity: ${v.pid ? `pid ${v.pid} ${v.addr}` : `ino ${v.ino} index ${v.index} (${v.where})`} reads token ${v.found} from pfn ${v.pfn}, expected ${v.expected}`,
    );
  },
});

/**
 * lockdep's inversions are thrown where they happen (a KernelBug, caught by the engine); this
 * checks what is left: lockdep still on (a full graph turns it off), no deadlock seen by the wait
 * model, and once every op is done, no lock held by any op or by the "current" context, and no
 * folio left locked.
 */
export const LOCKDEP_CHECK: ExploreCheck = Object.freeze({
  name: "lockdep",
  check(k: Kernel, ctx: ExploreCheckContext): string[] {
    const out: string[] = [];
    if (k.lockdep.offReason) out.push(`lockdep: turned itself off: ${k.lockdep.offReason}`);
    if (k.waits.deadlocks > 0) out.push(`deadlock (wait model): ${k.waits.lastDeadlock}`);
    if (!ctx.allDone) return out;
    for (const op of ctx.ops) if (op.owner && locksHeld(op.owner) > 0) out.push(`lockdep: ${op.name} finished holding ${locksHeld(op.owner)} lock(s)`);
    if (locksHeld(k.waits.current) > 0) out.push(`lockdep: the current context holds ${locksHeld(k.waits.current)} lock(s) after every op finished`);
    const mem = k.mem;
    for (let pfn = 0; pfn < mem.nrPages; pfn++) {
      if (mem.testFlag(pfn, PG_locked) && (mem.testFlag(pfn, PG_head) || mem.order[pfn] === 0) && mem.refcount[pfn]! > 0) {
        out.push(
          `folio ${pfn} is still locked after every op finished${k.waits.folioOwner.has(pfn) ? ` (by ${k.waits.folioOwner.get(pfn)!.holderName})` : ""}`,
        );
      }
    }
    return out;
  },
});

/** The checks run after every step unless ExploreOptions.checks says otherwise. */
export const EXPLORE_CHECKS: readonly ExploreCheck[] = Object.freeze([INVARIANTS_CHECK, INTEGRITY_CHECK, LOCKDEP_CHECK]);

/** What kind of violation: which check, or how the run went wrong. */
export type ViolationKind = "invariants" | "integrity" | "lockdep" | "deadlock" | "op" | "final" | "bug" | "error" | "nontermination" | string;

/** One violation found: replay(schedule) reproduces it. */
export interface ExploreViolation {
  scenario: string;
  kind: ViolationKind;
  /** the first problem found, then the others of the same step */
  message: string;
  /** the op indices that took each step, up to and including the one after which it was found */
  schedule: number[];
  /** the op that took the last step (or "" for a setup or final check) */
  op: string;
  /** how many explored interleavings ran into the same violation (same kind, same first line) */
  occurrences: number;
  /** Run the schedule again (and the rest without preemption): the trace and what it finds. */
  replay(): ReplayReport;
}

export interface ScenarioReport {
  name: string;
  description: string;
  /** interleavings run (each a full schedule from a fresh system) */
  interleavings: number;
  /** every schedule within the preemption bound was run */
  exhausted: boolean;
  /** the longest schedule, in steps */
  maxSteps: number;
  /** distinct violations found */
  violations: number;
}

export interface ExploreReport {
  /** per scenario */
  scenarios: ScenarioReport[];
  /** interleavings run, over all scenarios */
  interleavings: number;
  preemptions: number;
  violations: ExploreViolation[];
}

export interface ExploreOptions {
  /** interleavings to run at most, over all scenarios (shared out evenly; default 2000) */
  budget?: number;
  /** the preemption bound K (default 2) */
  preemptions?: number;
  /** checks after every step (default EXPLORE_CHECKS) */
  checks?: readonly ExploreCheck[];
  /** steps one interleaving may take before it counts as not terminating (default 500) */
  maxSteps?: number;
  /** distinct violations kept per scenario (default 10) */
  maxViolations?: number;
}

export interface TraceStep {
  /** position in the schedule */
  index: number;
  /** the op index, its name and the step it took */
  op: number;
  name: string;
  step: string;
  result: "ran" | "done" | "blocked" | "threw";
  /** preemptions used up to and including this step */
  preemptions: number;
}

export interface ReplayReport {
  scenario: string;
  schedule: number[];
  trace: TraceStep[];
  /** the first violation met, or null */
  violation: { kind: ViolationKind; message: string; op: string } | null;
}

const DEFAULT_BUDGET = 2000;
const DEFAULT_PREEMPTIONS = 2;
const DEFAULT_MAX_STEPS = 500;
const DEFAULT_MAX_VIOLATIONS = 10;
const RESULT_NAMES = ["ran", "done", "blocked"] as const;

/** Chooses the op of each step: from the enabled ops (ascending), given the previous op and the preemptions used. */
type Chooser = (depth: number, enabled: readonly number[], prev: number, preemptions: number) => number;

interface Execution {
  schedule: number[];
  trace: TraceStep[] | null;
  violation: { kind: ViolationKind; message: string; op: string } | null;
}

function kindOfThrown(err: unknown): ViolationKind {
  if (err instanceof KernelBug) return err.message.startsWith("lockdep:") ? "lockdep" : "bug";
  return "error";
}

function describeThrown(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Run the scenario once, each step's op picked by `choose`; stop at the first violation. */
function execute(scenario: ExploreScenario, choose: Chooser, checks: readonly ExploreCheck[], maxSteps: number, traced: boolean): Execution {
  const schedule: number[] = [];
  const trace: TraceStep[] | null = traced ? [] : null;
  const fail = (kind: ViolationKind, message: string, op: string): Execution => ({ schedule, trace, violation: { kind, message, op } });
  let inst: ExploreInstance;
  try {
    inst = scenario.build();
  } catch (err) {
    return fail("error", `scenario ${scenario.name} could not be built: ${describeThrown(err)}`, "");
  }
  const { k, ops } = inst;
  const runChecks = (allDone: boolean, op: string): Execution | null => {
    const ctx: ExploreCheckContext = { ops, allDone };
    for (const c of checks) {
      const problems = c.check(k, ctx);
      if (problems.length > 0) return fail(c.name, problems.join("\n"), op);
    }
    return null;
  };
  const setup = runChecks(false, "");
  if (setup) {
    setup.violation!.message = `before the first step: ${setup.violation!.message}`;
    return setup;
  }
  const n = ops.length;
  const blocked = new Uint8Array(n);
  const enabled: number[] = [];
  let prev = -1;
  let preemptions = 0;
  for (let depth = 0; ; depth++) {
    enabled.length = 0;
    let live = 0;
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      if (op.done) continue;
      live++;
      if (blocked[i] && !(op.runnable?.() ?? false)) continue;
      enabled.push(i);
    }
    if (live === 0) break;
    if (enabled.length === 0) {
      const stuck = ops.filter((op) => !op.done).map((op) => `${op.name} at ${op.nextStep}`);
      return fail("deadlock", `every unfinished op is blocked: ${stuck.join("; ")}`, "");
    }
    if (depth >= maxSteps)
      return fail(
        "nontermination",
        `no end after ${maxSteps} steps: ${ops
          .filter((op) => !op.done)
          .map((op) => `${op.name} at ${op.nextStep}`)
          .join("; ")}`,
        "",
      );
    const choice = choose(depth, enabled, prev, preemptions);
    if (prev >= 0 && choice !== prev && enabled.includes(prev)) preemptions++;
    const op = ops[choice]!;
    const label = op.nextStep;
    schedule.push(choice);
    let rc: number;
    try {
      rc = op.step();
    } catch (err) {
      trace?.push({ index: depth, op: choice, name: op.name, step: label, result: "threw", preemptions });
      return fail(kindOfThrown(err), `${op.name} at ${label} threw ${describeThrown(err)}`, op.name);
    }
    trace?.push({ index: depth, op: choice, name: op.name, step: label, result: RESULT_NAMES[rc] ?? "ran", preemptions });
    if (rc === STEP_BLOCKED) {
      blocked[choice] = 1;
    } else {
      blocked.fill(0);
    }
    prev = choice;
    for (const o of ops) {
      if (o.problems.length === 0) continue;
      const message = o.problems.join("\n");
      o.problems.length = 0;
      return fail("op", `${o.name}: ${message}`, op.name);
    }
    const allDone = ops.every((o) => o.done);
    const bad = runChecks(allDone, op.name);
    if (bad) return bad;
  }
  const final: string[] = [];
  for (const op of ops) for (const p of op.finalCheck?.() ?? []) final.push(`${op.name}: ${p}`);
  for (const p of inst.finalCheck?.() ?? []) final.push(p);
  if (final.length > 0) return fail("final", final.join("\n"), "");
  return { schedule, trace, violation: null };
}

/** The choices offered at one point of the search, the first being the one taken first. */
function permittedChoices(enabled: readonly number[], prev: number, preemptions: number, bound: number): number[] {
  if (prev >= 0 && enabled.includes(prev)) {
    // Continuing costs nothing; a switch away from a runnable op is a preemption.
    return preemptions < bound ? [prev, ...enabled.filter((i) => i !== prev)] : [prev];
  }
  return [...enabled];
}

/** One frame of the depth-first search: the choices at that depth and which one this run takes. */
interface Frame {
  choices: number[];
  at: number;
}

function firstLine(s: string): string {
  const i = s.indexOf("\n");
  return i < 0 ? s : s.slice(0, i);
}

/**
 * The depth-first search over one scenario's schedules, resumable: run(n) explores up to n more
 * interleavings from where the last call stopped, so a budget can be topped up.
 */
class ScenarioSearch {
  private readonly frames: Frame[] = [];
  readonly violations: ExploreViolation[] = [];
  private readonly seen = new Map<string, ExploreViolation>();
  interleavings = 0;
  maxLen = 0;
  exhausted = false;
  private readonly bound: number;
  private readonly checks: readonly ExploreCheck[];
  private readonly maxSteps: number;
  private readonly maxViolations: number;

  constructor(
    readonly scenario: ExploreScenario,
    private readonly opts: ExploreOptions,
  ) {
    this.bound = opts.preemptions ?? DEFAULT_PREEMPTIONS;
    this.checks = opts.checks ?? EXPLORE_CHECKS;
    this.maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxViolations = opts.maxViolations ?? DEFAULT_MAX_VIOLATIONS;
  }

  /** Explore up to n more interleavings; returns how many ran. */
  run(n: number): number {
    const { scenario, frames } = this;
    let ran = 0;
    while (ran < n && !this.exhausted) {
      let used = 0;
      const choose: Chooser = (depth, enabled, prev, preemptions) => {
        used = depth + 1;
        if (depth < frames.length) {
          const f = frames[depth]!;
          const c = f.choices[f.at]!;
          if (!enabled.includes(c)) throw new Error(`explore: scenario ${scenario.name} is not deterministic: at step ${depth} op ${c} is no longer runnable`);
          return c;
        }
        const choices = permittedChoices(enabled, prev, preemptions, this.bound);
        frames.push({ choices, at: 0 });
        return choices[0]!;
      };
      const exec = execute(scenario, choose, this.checks, this.maxSteps, false);
      ran++;
      this.interleavings++;
      this.maxLen = Math.max(this.maxLen, exec.schedule.length);
      if (exec.violation) this.record(exec.schedule, exec.violation);
      // Backtrack: the deepest frame with a choice not yet taken; the frames below it replay.
      frames.length = Math.min(frames.length, used);
      while (frames.length > 0 && frames[frames.length - 1]!.at + 1 >= frames[frames.length - 1]!.choices.length) frames.pop();
      if (frames.length === 0) this.exhausted = true;
      else frames[frames.length - 1]!.at++;
    }
    return ran;
  }

  /** Keep the first schedule of each distinct violation (same kind, same first line); count the rest. */
  private record(run: readonly number[], violation: NonNullable<Execution["violation"]>): void {
    const key = `${violation.kind}\u0000${firstLine(violation.message)}`;
    const known = this.seen.get(key);
    if (known) {
      known.occurrences++;
      return;
    }
    if (this.violations.length >= this.maxViolations) return;
    const schedule = [...run];
    const scenario = this.scenario;
    const opts = this.opts;
    const v: ExploreViolation = {
      scenario: scenario.name,
      kind: violation.kind,
      message: violation.message,
      schedule,
      op: violation.op,
      occurrences: 1,
      replay: () => replaySchedule(scenario, schedule, opts),
    };
    Object.defineProperty(v, "replay", { enumerable: false });
    this.seen.set(key, v);
    this.violations.push(v);
  }

  report(): ScenarioReport {
    const s = this.scenario;
    return {
      name: s.name,
      description: s.description,
      interleavings: this.interleavings,
      exhausted: this.exhausted,
      maxSteps: this.maxLen,
      violations: this.violations.length,
    };
  }
}

/** Explore one scenario: up to `budget` interleavings with at most `preemptions` preemptions each. */
export function exploreScenario(scenario: ExploreScenario, opts: ExploreOptions = {}): { report: ScenarioReport; violations: ExploreViolation[] } {
  const search = new ScenarioSearch(scenario, opts);
  search.run(opts.budget ?? DEFAULT_BUDGET);
  return { report: search.report(), violations: search.violations };
}

/**
 * Explore every scenario. The budget is shared out evenly; what the scenarios that exhaust
 * their space leave unused is shared out again among the others, round after round, until the
 * budget is spent or every space is exhausted.
 */
export function explore(scenarios: readonly ExploreScenario[], opts: ExploreOptions = {}): ExploreReport {
  let left = opts.budget ?? DEFAULT_BUDGET;
  const searches = scenarios.map((s) => new ScenarioSearch(s, opts));
  for (;;) {
    const open = searches.filter((s) => !s.exhausted);
    if (open.length === 0 || left <= 0) break;
    const share = Math.max(1, Math.floor(left / open.length));
    for (const s of open) {
      if (left <= 0) break;
      left -= s.run(Math.min(share, left));
    }
  }
  const reports = searches.map((s) => s.report());
  return {
    scenarios: reports,
    interleavings: reports.reduce((n, r) => n + r.interleavings, 0),
    preemptions: opts.preemptions ?? DEFAULT_PREEMPTIONS,
    violations: searches.flatMap((s) => s.violations),
  };
}

/**
 * Run one schedule again: its steps in order, then whatever is left without preemption (each op
 * on until it finishes or blocks). Throws if the schedule names an op that cannot take a step
 * there (it is done, or blocked).
 */
export function replaySchedule(scenario: ExploreScenario, schedule: readonly number[], opts: ExploreOptions = {}): ReplayReport {
  const choose: Chooser = (depth, enabled, prev) => {
    if (depth < schedule.length) {
      const c = schedule[depth]!;
      if (!enabled.includes(c))
        throw new RangeError(
          `replay of ${scenario.name}: step ${depth} names op ${c}, which cannot take a step there (runnable: ${enabled.join(", ") || "none"})`,
        );
      return c;
    }
    return enabled.includes(prev) ? prev : enabled[0]!;
  };
  const run = execute(scenario, choose, opts.checks ?? EXPLORE_CHECKS, opts.maxSteps ?? DEFAULT_MAX_STEPS, true);
  return { scenario: scenario.name, schedule: run.schedule, trace: run.trace!, violation: run.violation };
}
