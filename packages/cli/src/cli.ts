import "reflect-metadata";
import { main } from "./program.js";
import { installExitHandlers } from "./signals.js";

installExitHandlers();
process.exitCode = await main(process.argv);
