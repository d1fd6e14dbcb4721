import { packageConfig } from "../../tsup.shared.js";

export default packageConfig(["src/cli.ts"]);
