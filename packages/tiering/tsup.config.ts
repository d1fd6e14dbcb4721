import { packageConfig } from "../../tsup.shared.js";

// the package, and the versioned surface stack plugins import (@foliox/tiering/plugin)
export default packageConfig({ index: "src/index.ts", plugin: "src/plugin.ts" });
