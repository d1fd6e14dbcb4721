import { dts, packageConfig } from "../../tsup.shared.js";

// The public types use Node's Buffer (the package reads files and streams through node:fs and
// node:zlib), so the published index.d.ts references @types/node, one of its dependencies: a
// project that lists its `types` explicitly still gets Buffer.
export default packageConfig(["src/index.ts"], { dts: { ...dts, banner: '/// <reference types="node" />' } });
