/**
 * lockdep over the model (the idea of kernel/locking/lockdep.c, not its code): every sleeping
 * or spinning lock the model takes is acquired and released through lockAcquire() /
 * lockRelease() with its lock class, its instance and its holder (a LockOwner: a task, an
 * in-flight ExchangeOp, ksmd, or the "current" context of a synchronous call). Each holder has
 * its own stack of held locks. Taking lock B while A is held records the dependency A → B in the
 * system's order graph, with the chain of locks that was held (the "acquisition chain"). A new
 * dependency that closes a cycle — B → … → A was recorded earlier, by any holder, in any run of
 * this system — is a possible deadlock and is reported as a KernelBug carrying both chains, even
 * though this run did not deadlock (that is lockdep's point: the interleaving that hangs need
 * not be the one that ran).
 *
 * As in the kernel:
 * - a trylock cannot deadlock, so it records no dependency on what is held; it is pushed on the
 *   holder's stack, and later acquisitions depend on it;
 * - taking an instance the holder already holds is "possible recursive locking" (the i_pages
 *   self-deadlock of two folios of one mapping), reported at once;
 * - locks of one class nested in each other (two folio locks, two i_pages locks) are ordered
 *   by instance: the order graph keeps, per class, which instance was taken under which, so
 *   (A then B) by one holder and (B then A) by another is an inversion. The kernel annotates
 *   such nesting (lock_two_nondirectories, folio locks in pfn order); this checks it;
 * - when the graph is full, lockdep turns itself off and says so (debug_locks_off,
 *   "MAX_LOCKDEP_ENTRIES too low").
 *
 * Off (createSystem({ lockdep: false })): lockAcquire/lockRelease return at once and nothing
 * is recorded; the model's behaviour is otherwise identical. Nothing here allocates on the hot
 * path except the first sighting of a dependency (its chain text) while lockdep is on.
 */
import { KernelBug } from "./bug.js";

/** Lock classes (lock_class_key) the model takes. Order here is only the numbering. */
export const LOCK_FOLIO = 0;
export const LOCK_I_PAGES = 1;
export const LOCK_SWAP_CACHE = 2;
export const LOCK_ANON_VMA = 3;
export const LOCK_I_MMAP = 4;
export const LOCK_MMAP = 5;
export const LOCK_PTL = 6;
export const LOCK_BUFFER = 7;
export const LOCK_KSM_THREAD_MUTEX = 8;
export const LOCK_LRU = 9;
export const NR_LOCK_CLASSES = 10;

/** The classes' names in reports, as the kernel spells the locks. */
export const LOCK_CLASS_NAMES: readonly string[] = Object.freeze([
  "folio_lock",
  "&mapping->i_pages",
  "&swapper_space->i_pages",
  "&anon_vma->rwsem",
  "&mapping->i_mmap_rwsem",
  "&mm->mmap_lock",
  "ptlock",
  "buffer_head lock",
  "ksm_thread_mutex",
  "&lruvec->lru_lock",
]);

/**
 * Held-lock stack depth a holder starts with (the kernel's MAX_LOCK_DEPTH is 48). The stack
 * grows past it: the kernel does not track the folio lock bit in lockdep, foliox does, and a
 * migrate_pages() batch trylocks up to 512 sources and their destinations at once.
 */
export const MAX_LOCK_DEPTH = 48;
/** Same-class instance dependencies kept before lockdep turns itself off. */
export const MAX_LOCKDEP_INSTANCE_DEPS = 1 << 16;

/** A holder's held locks: held_locks[] of its task_struct. Made once per holder, doubled when full. */
export class HeldLocks {
  depth = 0;
  cls = new Uint8Array(MAX_LOCK_DEPTH);
  instance = new Float64Array(MAX_LOCK_DEPTH);
  trylock = new Uint8Array(MAX_LOCK_DEPTH);

  /** Double the capacity (rare: only a batch of trylocked folios gets here). */
  grow(): void {
    const n = this.cls.length * 2;
    const cls = new Uint8Array(n);
    const instance = new Float64Array(n);
    const trylock = new Uint8Array(n);
    cls.set(this.cls);
    instance.set(this.instance);
    trylock.set(this.trylock);
    this.cls = cls;
    this.instance = instance;
    this.trylock = trylock;
  }
}

/** Who holds a lock, for lockdep and for the wait model (kernel/wait.ts). */
export interface LockHolder {
  /** the holder in reports: "task 3", "folio_exchange(12, 40)", "ksmd" */
  readonly holderName: string;
  /** its held-lock stack; null until lockdep first sees it take a lock */
  heldLocks: HeldLocks | null;
}

/** A lockdep report, also thrown as the message of a KernelBug. */
export class LockdepReport {
  constructor(
    readonly kind: "circular locking dependency" | "possible recursive locking" | "bad unlock balance",
    /** the acquisition that closed the cycle: the holder's chain, held locks then the new one */
    readonly chain: string,
    /** the earlier chain that recorded the opposite dependency ("" for recursive locking) */
    readonly otherChain: string,
  ) {}

  get message(): string {
    return this.otherChain
      ? `lockdep: ${this.kind} detected\n  this acquisition: ${this.chain}\n  earlier, the other order: ${this.otherChain}`
      : `lockdep: ${this.kind} detected: ${this.chain}`;
  }
}

/** Thrown for a lockdep report; `report` carries both acquisition chains. */
export class LockdepBug extends KernelBug {
  override name = "KernelBug";
  constructor(readonly report: LockdepReport) {
    super(report.message);
  }
}

/** One lock in a chain: "folio_lock#1234", "ksm_thread_mutex". */
export function lockName(cls: number, instance: number): string {
  const name = LOCK_CLASS_NAMES[cls] ?? `class ${cls}`;
  return instance < 0 ? name : `${name}#${instance}`;
}

/**
 * The order graph of one system and the switch. Built by the composition root (LOCKDEP token);
 * `enabled` is createSystem({ lockdep }) (default on).
 */
export class Lockdep {
  /** debug_locks: false once turned off (by the switch, or when the graph is full) */
  enabled: boolean;
  /** class dependencies: dep[a * N + b] = 1 when b was taken while a was held (a ≠ b) */
  readonly dep = new Uint8Array(NR_LOCK_CLASSES * NR_LOCK_CLASSES);
  /** the chain that first recorded each class dependency */
  readonly depChain: string[] = new Array<string>(NR_LOCK_CLASSES * NR_LOCK_CLASSES).fill("");
  /**
   * same-class nesting: instanceDeps.get(cls * 2^32 + outer)?.get(inner) is the chain that first
   * recorded "inner taken while outer was held" (number keys: a lookup allocates nothing)
   */
  readonly instanceDeps = new Map<number, Map<number, string>>();
  /** how many same-class dependencies instanceDeps holds */
  instanceDepCount = 0;
  /** acquisitions checked, dependencies recorded (lockdep_stats) */
  acquisitions = 0;
  dependencies = 0;
  /** why lockdep turned itself off, or "" */
  offReason = "";
  /**
   * held-lock stacks of holders that hold nothing now, reused by the next holder (no allocation
   * per op): the first nrFreeHeld entries. A stack kept by count, not push/pop: an array that
   * pops to empty gives its backing store back, and the next push allocates it again.
   */
  readonly freeHeld: HeldLocks[] = [];
  nrFreeHeld = 0;
  /** DFS scratch over the classes, made once */
  private readonly stack = new Uint8Array(NR_LOCK_CLASSES);
  private readonly seen = new Uint8Array(NR_LOCK_CLASSES);

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  /** Forget every recorded dependency (a test that wants a fresh graph). */
  reset(): void {
    this.dep.fill(0);
    this.depChain.fill("");
    this.instanceDeps.clear();
    this.instanceDepCount = 0;
    this.acquisitions = 0;
    this.dependencies = 0;
  }

  /** Is there a path a → … → b in the class graph? */
  classPath(a: number, b: number): boolean {
    const n = NR_LOCK_CLASSES;
    const seen = this.seen;
    const stack = this.stack;
    seen.fill(0);
    let sp = 0;
    stack[sp++] = a;
    seen[a] = 1;
    while (sp > 0) {
      const c = stack[--sp]!;
      if (c === b) return true;
      for (let d = 0; d < n; d++) {
        if (this.dep[c * n + d] && !seen[d]) {
          seen[d] = 1;
          stack[sp++] = d;
        }
      }
    }
    return false;
  }

  /** The recorded chain of the first edge on a path a → … → b (for the report). */
  classPathChain(a: number, b: number): string {
    const n = NR_LOCK_CLASSES;
    if (this.dep[a * n + b]) return this.depChain[a * n + b]!;
    for (let d = 0; d < n; d++) if (this.dep[a * n + d] && d !== a && this.classPath(d, b)) return `${this.depChain[a * n + d]!} … then ${LOCK_CLASS_NAMES[b]}`;
    return "";
  }

  /** debug_locks_off(): stop checking, keep the reason. */
  turnOff(reason: string): void {
    this.enabled = false;
    this.offReason = reason;
  }
}

/** The instanceDeps key of (class, outer instance): exact in a double (instances are < 2^32, may be -1). */
function instanceKey(cls: number, instance: number): number {
  return cls * 4294967296 + instance;
}

/** The chain `holder` holds, then the lock being taken: "ksmd: ksm_thread_mutex -> folio_lock#12". */
function chainText(h: LockHolder, held: HeldLocks, cls: number, instance: number): string {
  let s = `${h.holderName}: `;
  for (let i = 0; i < held.depth; i++) s += `${lockName(held.cls[i]!, held.instance[i]!)} -> `;
  return s + lockName(cls, instance);
}

function heldOf(ld: Lockdep, h: LockHolder): HeldLocks {
  let held = h.heldLocks;
  if (!held) {
    held = ld.nrFreeHeld > 0 ? ld.freeHeld[--ld.nrFreeHeld]! : new HeldLocks();
    h.heldLocks = held;
  }
  return held;
}

/**
 * lock_acquire(): `holder` takes lock (cls, instance); `trylock` for an acquisition that could
 * not sleep or spin (it records no dependency). Throws a LockdepBug on an inversion or recursive
 * locking. instance -1 = the class has one instance (a global mutex).
 */
export function lockAcquire(ld: Lockdep, cls: number, instance: number, holder: LockHolder, trylock = false): void {
  if (!ld.enabled) return;
  const held = heldOf(ld, holder);
  ld.acquisitions++;
  const n = NR_LOCK_CLASSES;
  for (let i = 0; i < held.depth; i++) {
    const hc = held.cls[i]!;
    const hi = held.instance[i]!;
    if (hc === cls && hi === instance) {
      throw new LockdepBug(new LockdepReport("possible recursive locking", `${chainText(holder, held, cls, instance)} (already held)`, ""));
    }
    if (trylock) continue;
    if (hc !== cls) {
      if (ld.dep[hc * n + cls]) continue;
      if (ld.classPath(cls, hc)) {
        throw new LockdepBug(new LockdepReport("circular locking dependency", chainText(holder, held, cls, instance), ld.classPathChain(cls, hc)));
      }
      ld.dep[hc * n + cls] = 1;
      ld.depChain[hc * n + cls] = chainText(holder, held, cls, instance);
      ld.dependencies++;
    } else {
      const outer = ld.instanceDeps.get(instanceKey(cls, hi));
      if (outer?.has(instance)) continue;
      const other = ld.instanceDeps.get(instanceKey(cls, instance))?.get(hi);
      if (other !== undefined) throw new LockdepBug(new LockdepReport("circular locking dependency", chainText(holder, held, cls, instance), other));
      if (ld.instanceDepCount >= MAX_LOCKDEP_INSTANCE_DEPS) {
        ld.turnOff(`MAX_LOCKDEP_INSTANCE_DEPS (${MAX_LOCKDEP_INSTANCE_DEPS}) too low: turning off the locking correctness validator`);
        return;
      }
      const chain = chainText(holder, held, cls, instance);
      if (outer) outer.set(instance, chain);
      else ld.instanceDeps.set(instanceKey(cls, hi), new Map([[instance, chain]]));
      ld.instanceDepCount++;
      ld.dependencies++;
    }
  }
  if (held.depth >= held.cls.length) held.grow();
  held.cls[held.depth] = cls;
  held.instance[held.depth] = instance;
  held.trylock[held.depth] = trylock ? 1 : 0;
  held.depth++;
}

/** lock_release(): `holder` drops (cls, instance), wherever it is on its stack. */
export function lockRelease(ld: Lockdep, cls: number, instance: number, holder: LockHolder): void {
  if (!ld.enabled) return;
  const held = holder.heldLocks;
  if (held) {
    for (let i = held.depth - 1; i >= 0; i--) {
      if (held.cls[i] !== cls || held.instance[i] !== instance) continue;
      for (let j = i + 1; j < held.depth; j++) {
        held.cls[j - 1] = held.cls[j]!;
        held.instance[j - 1] = held.instance[j]!;
        held.trylock[j - 1] = held.trylock[j]!;
      }
      held.depth--;
      // a holder that holds nothing gives its stack back for the next one
      if (held.depth === 0) {
        holder.heldLocks = null;
        ld.freeHeld[ld.nrFreeHeld++] = held;
      }
      return;
    }
  }
  throw new LockdepBug(new LockdepReport("bad unlock balance", `${holder.holderName} releases ${lockName(cls, instance)}, which it does not hold`, ""));
}

/** How many locks `holder` holds (0 when lockdep is off or it never took one). */
export function locksHeld(holder: LockHolder): number {
  return holder.heldLocks?.depth ?? 0;
}
