import { packageConfig } from "../../tsup.shared.js";

// the package, and the versioned surface plugins import (@foliox/core/plugin)
export default packageConfig({ index: "src/index.ts", plugin: "src/plugin/index.ts" });
