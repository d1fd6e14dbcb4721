/**
 * Presets: stacks that reproduce the prior art (docs/tiering.md#presets has each source).
 * Each says what it copies and what it leaves out. Kernel time is compressed (nsPerKernelMs)
 * for the stacks that use NUMA balancing: 1 kernel ms = 1 simulated µs, so the 1 s scan
 * period and hot threshold act within a run of milliseconds of simulated time.
 */
import type { StackConfig } from "./stack.js";

const KERNEL_TIME = 1000;

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
    copies: "Linux without tiering: kernel.numa_balancing=0, demotion_enabled=0; first-touch placement on the task's node, falling back along the zonelist; kswapd reclaim",
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
    nsPerKernelMs: KERNEL_TIME,
    copies:
      "NUMA balancing in tiering mode (v6.12): task_numa_work + change_prot_numa, hint-fault latency vs hot_threshold_ms, numa_promotion_adjust_threshold, the promote rate limit (pgpromote_candidate), migrate_balanced_pgdat and THISNODE no-reclaim allocation; kswapd demotion to the PROMO watermark",
    leavesOut: "the adaptive scan period (fixed at scan_period_min), numa groups and task placement, pgpromote_candidate_nolimit",
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
    nsPerKernelMs: KERNEL_TIME,
    copies: "TPP (ASPLOS '23): hint-fault promotion only of folios already on the active LRU (others are marked accessed), proactive demotion keeping 2% of the fast node free above the watermark (demote_scale_factor)",
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
    copies: "Memtis (SOSP '23): PEBS-like sampling into an access histogram whose hot threshold is sized to the fast tier's capacity, periodic cooling, a migration thread that demotes cold pages to make room and promotes hot ones",
    leavesOut: "huge-page splitting by sub-page skew, the dynamic sample period, per-cgroup control, Memtis' own warm set",
  },
  {
    name: "nimble",
    sampler: "none",
    hotness: "none",
    placement: { name: "nimble-lru", options: { periodEpochs: 1, maxPages: 1024 } },
    mover: { name: "exchange", options: { batch: 32 } },
    rateLimiter: "none",
    numa: null,
    demotion: true,
    copies: "Nimble (ASPLOS '19) mm_manage with MPOL_MF_EXCHANGE|MPOL_MF_MOVE_CONCUR: each period, a hot list from the slow node's LRU (referenced) and a cold list from the fast node's inactive tail, exchanged pairwise in batches",
    leavesOut: "memcg-limited lists, multi-threaded/DMA copy (the cost model's workers stand in), THP exchange specifics",
  },
  {
    name: "exchange",
    sampler: { name: "pebs", options: { period: 101 } },
    hotness: { name: "ranges", options: { rangePages: 512 } },
    placement: "hot-cold",
    mover: { name: "exchange", options: { batch: 32 } },
    rateLimiter: "none",
    numa: null,
    demotion: true,
    copies: "the seed author's agent (Demeter, SOSP '25): PEBS-like sampled hotness aggregated over virtual ranges, hot slow folios paired with cold fast folios and swapped with folio_exchange_batch — no page allocation",
    leavesOut: "guest/host split and the hypervisor interface, adaptive range splitting and merging (ranges are fixed 2 MiB), Demeter's balloon",
  },
  {
    name: "oracle",
    sampler: "none",
    hotness: "none",
    placement: "oracle",
    mover: { name: "exchange-fallback", options: { free: true } },
    rateLimiter: "none",
    numa: null,
    demotion: true,
    oracle: true,
    copies: "an offline bound: from the whole trace, each epoch's most-accessed pages up to the fast tier's capacity are placed there at the epoch's start, at no cost",
    leavesOut: "everything real: it needs the future, and its moves cost nothing",
  },
];
