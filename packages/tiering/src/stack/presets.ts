/**
 * Presets: stacks that reproduce the prior art (docs/tiering.md#presets has each source).
 * Each says what it copies and what it leaves out. Every preset runs at real kernel time: the
 * 1 s scan period, the 1 s hot threshold and the rate-limit window are simulated seconds.
 * Movers run in kernel threads (or, for nimble, the launcher process on another CPU), so
 * their moves are background CPU; promotions in a hint fault are the task's own time.
 */
import type { StackConfig } from "./stack.js";

export const STACK_PRESETS: readonly StackConfig[] = [
  {
    name: "linux-default",
    sampler: "none",
    hotness: "none",
    placement: "none",
    mover: "migrate",
    rateLimiter: "none",
    numa: null,
    demotion: false,
    copies:
      "Linux without tiering: kernel.numa_balancing=0, demotion_enabled=0; first-touch placement on the task's node, falling back along the zonelist; kswapd reclaim",
    leavesOut: "swap (core has no swap device: reclaim of anon memory frees nothing), NUMA balancing's NORMAL mode",
  },
  {
    name: "numab2",
    sampler: "none",
    hotness: "none",
    placement: "none",
    mover: "migrate",
    rateLimiter: "none",
    numa: { promote: true },
    demotion: true,
    copies:
      "NUMA balancing in tiering mode (v6.12): task_numa_work + change_prot_numa (256 MB of PTE updates per scan, the period scaled to the task's RSS by task_scan_min), hint-fault latency vs hot_threshold_ms, numa_promotion_adjust_threshold, the promote rate limit (pgpromote_candidate), migrate_balanced_pgdat and THISNODE no-reclaim allocation; kswapd demotion to the PROMO watermark",
    leavesOut:
      "the adaptive part of the scan period (update_task_scan_period: it stays at task_scan_min), numa groups and task placement, pgpromote_candidate_nolimit",
  },
  {
    name: "tpp",
    sampler: "none",
    hotness: "none",
    placement: "none",
    mover: "migrate",
    rateLimiter: "none",
    numa: { promote: true, activeLruFilter: true },
    demotion: true,
    headroomRatio: 0.02,
    copies:
      "TPP (ASPLOS '23): hint-fault promotion only of folios already on the active LRU (others are marked accessed), proactive demotion keeping 2% of the fast node free above the watermark (demote_scale_factor)",
    leavesOut: "TPP's page-type-aware allocation and its own counters; its hint-fault path is numab2's",
  },
  {
    name: "memtis",
    sampler: { name: "pebs", options: { period: 101 } },
    hotness: "histogram",
    placement: "hot-cold",
    mover: "migrate",
    rateLimiter: "none",
    numa: null,
    demotion: true,
    copies:
      "Memtis (SOSP '23): PEBS-like sampling of LLC misses (period 101, an assumption; its phase from the seed) into an access histogram whose hot threshold is sized to the fast tier's capacity, periodic cooling, a migration kernel thread that demotes cold pages to make room and promotes hot ones",
    leavesOut: "huge-page splitting by sub-page skew, the dynamic sample period, per-cgroup control, Memtis' own warm set",
  },
  {
    name: "nimble",
    sampler: "none",
    hotness: "none",
    placement: { name: "nimble-lru", options: { periodMs: 1000, shrinkLists: true } },
    mover: { name: "mm-manage", options: { batch: 16 } },
    rateLimiter: "none",
    numa: null,
    demotion: true,
    copies:
      "Nimble (ASPLOS '19) mm_manage(MPOL_MF_MOVE|MOVE_CONCUR|EXCHANGE|SHRINK_LISTS) called by its launcher every second: both nodes' LRU lists aged (a folio needs references in two passes to become active), candidates from the tails of the slow node's active lists, cold partners from the fast node's inactive lists when it lacks room; THP pairs exchanged in batches of 16, base pages migrated (cold ones down first)",
    leavesOut:
      "memcg-limited lists (the fast node's free pages stand for the memcg headroom), multi-threaded/DMA copy (the cost model's swapWorkers stand in), MIGRATE_SYNC waits (the moves are asynchronous here)",
  },
  {
    name: "exchange",
    sampler: { name: "pebs", options: { period: 101 } },
    hotness: { name: "decay", options: { decay: 0.5, threshold: 1 } },
    placement: { name: "hot-cold", options: { pairOnly: true } },
    mover: { name: "exchange", options: { batch: 32 } },
    rateLimiter: "none",
    numa: null,
    demotion: true,
    copies:
      "foliox's own design, no other system's: sampled LLC misses (PEBS-like, period 101) counted per folio and halved every epoch; each epoch the hottest slow-tier folios are paired, by order, with the coldest fast-tier folios that are colder than them and swapped in batches of 32 with folio_exchange_batch — no page allocation, so it works when both tiers are full",
    leavesOut: "it is not a model of a published system; no rate limit; kswapd still demotes when the fast tier runs low",
  },
  {
    name: "epoch-oracle",
    sampler: "none",
    hotness: "none",
    placement: "epoch-oracle",
    mover: { name: "exchange-fallback", options: { free: true } },
    rateLimiter: "none",
    numa: null,
    demotion: true,
    oracle: true,
    copies:
      "a reference point, not a bound: clairvoyant placement per epoch — each epoch's most-accessed pages (read from the stream one epoch ahead of the replay), up to the fast tier's capacity, are placed there at the epoch's start, at no cost",
    leavesOut: "everything real: it needs the future and its moves are free; it is not optimal either (a stack that moves pages within an epoch can beat it)",
  },
];
