import { packageConfig } from "../../tsup.shared.js";

export default packageConfig({ index: "src/index.ts", "conformance/index": "src/conformance/index.ts" });
