/**
 * uPlot's IIFE build and its CSS, read from node_modules when the report is made, so that the
 * page embeds them and needs no network.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export interface ReportAssets {
  uplotJs: string;
  uplotCss: string;
}

/**
 * Read them (about 50 KiB) on each call: `foliox report` calls this once per page it writes, so
 * a memo would save nothing and would be module state shared by every caller in the process.
 */
export function loadReportAssets(): ReportAssets {
  const require = createRequire(import.meta.url);
  try {
    return {
      uplotJs: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
      uplotCss: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
    };
  } catch (err) {
    throw new Error(`cannot read uPlot from node_modules (${err instanceof Error ? err.message : String(err)}); run npm install`);
  }
}
