import { packageConfig } from "../../tsup.shared.js";

// A command, not a library: nothing imports its types, so no declaration step. The sweep's
// worker thread is an entry of its own (dist/sweep-worker.js), loaded by file name.
export default packageConfig({ cli: "src/cli.ts", "sweep-worker": "src/sweep/worker.ts" }, { dts: false });
