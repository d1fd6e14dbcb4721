import { packageConfig } from "../../tsup.shared.js";

// A command, not a library: nothing imports its types, so no declaration step.
export default packageConfig(["src/cli.ts"], { dts: false });
