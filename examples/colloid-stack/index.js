// An out-of-tree tiering stack: Colloid's latency-balancing placement (SOSP '24) as a foliox
// plugin. docs/composing-a-stack.md walks through it.
//
//   npx foliox compare --plugin ./examples/colloid-stack --stacks numab2,colloid
//
// Plain ESM, no build step. It imports @foliox/tiering/plugin only — the stack-part interfaces
// and definePlugin, a small versioned surface — and needs nothing of the backends' side. It
// registers one stack part, the "colloid" placement policy (colloid-placement.js), and two
// presets built from parts by name: `colloid`, which is Memtis (PEBS-like sampling into an
// access histogram) with Colloid deciding what moves and the exchange-fallback mover carrying it
// out, and `colloid-migrate`, the same with migrate_pages() alone, as Colloid's own
// integrations into HeMem, TPP and MEMTIS move pages.

import { definePlugin } from "@foliox/tiering/plugin";
import { ColloidPlacement } from "./colloid-placement.js";

export default definePlugin({
  name: "colloid-stack",
  apiVersion: 1, // the plugin API this was written for (not API_VERSION: that is the host's)
  description: "Colloid (SOSP '24): place pages so the tiers' loaded access latencies balance",
  stackParts: {
    placements: { colloid: (options) => new ColloidPlacement(options) },
  },
  presets: [
    {
      name: "colloid",
      extends: "memtis",
      placement: "colloid",
      mover: { name: "exchange-fallback", options: { batch: 32 } },
      copies:
        "Colloid (SOSP '24) on Memtis' sampling: per-tier loaded latency from occupancy ÷ arrivals (EWMA), the share of accesses the fast tier should serve found by bisection, and hot pages moved up (or down) until their share of the accesses makes up the difference",
      leavesOut:
        "Colloid's own per-page access probabilities (Memtis' histogram stands in), the migration quantum's time limit, the hardware counters (the engine's charged latency stands in)",
    },
    {
      name: "colloid-migrate",
      extends: "colloid",
      mover: "migrate",
      copies: "colloid with migrate_pages() only, as Colloid's HeMem, TPP and MEMTIS integrations move pages: a promotion needs a free page",
    },
  ],
});

export { ColloidPlacement };
