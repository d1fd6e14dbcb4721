/**
 * Stacks: a sampler, a hotness model, a placement policy, a mover and a rate limiter, plus the
 * kernel actors the stack turns on (NUMA balancing in tiering mode, kswapd demotion). Each part
 * is chosen by name from the TieringRegistry; presets reproduce the prior art (presets.ts).
 */
import "reflect-metadata";
import { inject, injectable, type DependencyContainer } from "tsyringe";
import { DecayHotness, HistogramHotness, NoHotness, RangeHotness } from "./hotness.js";
import { ExchangeFallbackMover, ExchangeMover, MigrateMover, MmManageMover } from "./movers.js";
import type { NumaBalancingOptions } from "@foliox/core";
import { OraclePlacement } from "./oracle.js";
import { HotColdPlacement, NimbleLruPlacement, NoPlacement } from "./placement.js";
import { STACK_PRESETS } from "./presets.js";
import { unknownNameMessage } from "../did-you-mean.js";
import { NoRateLimit, TokenBucket } from "./rate-limit.js";
import { AbitScanSampler, DamonSampler, HintFaultSampler, NoSampler, PebsSampler } from "./samplers.js";
import { HOTNESS_MODEL, MOVER, PLACEMENT_POLICY, RATE_LIMITER, SAMPLER, STACK_CONFIG, TIERING_REGISTRY } from "./tokens.js";
import type { HotnessModel, Mover, PlacementPolicy, RateLimiter, Sampler } from "./types.js";

/** A part by name, with its options. */
export interface PartRef {
  name: string;
  options?: Record<string, unknown>;
}

export interface StackConfig {
  name: string;
  sampler: string | PartRef;
  hotness: string | PartRef;
  placement: string | PartRef;
  mover: string | PartRef;
  rateLimiter: string | PartRef;
  /** NUMA balancing in tiering mode (task_numa_work + hint faults); null/absent = off */
  numa?: NumaBalancingOptions | null;
  /** kswapd/direct-reclaim demotion (numa demotion_enabled); default true */
  demotion?: boolean;
  /** TPP: free headroom kswapd keeps on top-tier nodes, as a share of the node; default 0 */
  headroomRatio?: number;
  /** the epoch-oracle: reads the stream one epoch ahead of the replay */
  oracle?: boolean;
  /**
   * Where the mover runs: "kthread" (default; a kernel thread or a daemon on another CPU: its
   * moves are background CPU) or "task" (synchronous move_pages() in the application: its
   * moves are application time).
   */
  moverContext?: "kthread" | "task";
  /** what the preset copies from the system it reproduces */
  copies?: string;
  /** what it leaves out */
  leavesOut?: string;
}

type Factory<T> = (options: Record<string, unknown>) => T;

/**
 * Named implementations of each part, and the presets. Plugins and config files add to it
 * through stack/extend.ts, which records who registered each name in `sources` (absent:
 * built in).
 */
export class TieringRegistry {
  readonly samplers = new Map<string, Factory<Sampler>>();
  readonly hotness = new Map<string, Factory<HotnessModel>>();
  readonly placements = new Map<string, Factory<PlacementPolicy>>();
  readonly movers = new Map<string, Factory<Mover>>();
  readonly rateLimiters = new Map<string, Factory<RateLimiter>>();
  readonly presets = new Map<string, StackConfig>();
  /** "placements:colloid" → 'plugin "colloid-stack" (./examples/colloid-stack)' */
  readonly sources = new Map<string, string>();
}

/** The built-in parts and presets. */
export function defaultTieringRegistry(): TieringRegistry {
  const r = new TieringRegistry();
  r.samplers.set("none", () => new NoSampler());
  r.samplers.set("hint-faults", () => new HintFaultSampler());
  r.samplers.set("abit-scan", () => new AbitScanSampler());
  r.samplers.set("pebs", (o) => new PebsSampler(o));
  r.samplers.set("damon", (o) => new DamonSampler(o));
  r.hotness.set("none", () => new NoHotness());
  r.hotness.set("decay", (o) => new DecayHotness(o));
  r.hotness.set("histogram", (o) => new HistogramHotness(o));
  r.hotness.set("ranges", (o) => new RangeHotness(o));
  r.placements.set("none", () => new NoPlacement());
  r.placements.set("hot-cold", (o) => new HotColdPlacement(o));
  r.placements.set("nimble-lru", (o) => new NimbleLruPlacement(o));
  r.placements.set("epoch-oracle", () => new OraclePlacement());
  r.movers.set("migrate", (o) => new MigrateMover(o));
  r.movers.set("exchange", (o) => new ExchangeMover(o));
  r.movers.set("exchange-fallback", (o) => new ExchangeFallbackMover(o));
  r.movers.set("mm-manage", (o) => new MmManageMover(o));
  r.rateLimiters.set("none", () => new NoRateLimit());
  r.rateLimiters.set("token-bucket", (o) => new TokenBucket(o));
  for (const p of STACK_PRESETS) r.presets.set(p.name, p);
  return r;
}

/** Register the tiering registry (built-in parts and presets) in a container. */
export function registerTiering(c: DependencyContainer): TieringRegistry {
  if (c.isRegistered(TIERING_REGISTRY, true)) return c.resolve(TIERING_REGISTRY);
  const r = defaultTieringRegistry();
  c.register(TIERING_REGISTRY, { useValue: r });
  return r;
}

/** A stack resolved from a container: its five parts and its config. */
@injectable()
export class TieringStack {
  constructor(
    @inject(SAMPLER) readonly sampler: Sampler,
    @inject(HOTNESS_MODEL) readonly hotness: HotnessModel,
    @inject(PLACEMENT_POLICY) readonly placement: PlacementPolicy,
    @inject(MOVER) readonly mover: Mover,
    @inject(RATE_LIMITER) readonly rateLimiter: RateLimiter,
    @inject(STACK_CONFIG) readonly config: StackConfig,
  ) {}
  get name(): string {
    return this.config.name;
  }
}

function ref(p: string | PartRef): PartRef {
  return typeof p === "string" ? { name: p } : p;
}

function build<T>(kind: string, table: Map<string, Factory<T>>, p: string | PartRef): T {
  const r = ref(p);
  const f = table.get(r.name);
  if (!f) throw new Error(`unknown ${kind}: ${unknownNameMessage(kind, r.name, [...table.keys()])}`);
  return f(r.options ?? {});
}

/** The preset names, in the registry's order. */
export function stackNames(c?: DependencyContainer): string[] {
  const r = c ? registerTiering(c) : defaultTieringRegistry();
  return [...r.presets.keys()];
}

/**
 * createStack(container, name | config): fresh parts (one stack per run: parts hold state) in a
 * child container, resolved as a TieringStack.
 */
export function createStack(container: DependencyContainer, stack: string | StackConfig): TieringStack {
  const r = registerTiering(container);
  let config: StackConfig;
  if (typeof stack === "string") {
    const p = r.presets.get(stack);
    if (!p) throw new Error(`unknown stack: ${unknownNameMessage("stack", stack, [...r.presets.keys()])}`);
    config = p;
  } else {
    config = stack;
  }
  const c = container.createChildContainer();
  c.register(STACK_CONFIG, { useValue: config });
  c.register(SAMPLER, { useValue: build("sampler", r.samplers, config.sampler) });
  c.register(HOTNESS_MODEL, { useValue: build("hotness model", r.hotness, config.hotness) });
  c.register(PLACEMENT_POLICY, { useValue: build("placement policy", r.placements, config.placement) });
  c.register(MOVER, { useValue: build("mover", r.movers, config.mover) });
  c.register(RATE_LIMITER, { useValue: build("rate limiter", r.rateLimiters, config.rateLimiter) });
  return c.resolve(TieringStack);
}
