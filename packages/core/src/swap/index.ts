/** Swap in core: the device, the swap cache, swap-out from reclaim, swap-in, shmem's swap. */
export * from "./swapfile.js";
export * from "./swapon.js";
export * from "./swap-state.js";
export * from "./page-io.js";
export * from "./swap-out.js";
export * from "./swap-in.js";
export * from "./shmem-swap.js";
