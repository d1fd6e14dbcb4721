/**
 * What every field of the config file format carries besides its type: zod 4 metadata
 * (`.meta({ description, unit, defaultText })`, kept in z.globalRegistry). The config
 * reference (docs/config.md, config-reference.ts) and the JSON Schema (json-schema.ts) are both
 * made from it, so a field is documented where it is declared, and a field added without a
 * description fails the docs test instead of going unexplained.
 *
 * - description: what the field does, in one or two sentences (the JSON Schema's description);
 * - unit: what a number means ("ns", "bytes", "epochs", "share 0–1"); absent for plain names;
 * - defaultText: the default in words, where the schema has no literal `.default()` (a value
 *   taken from an extended preset, a part, the kernel's sysctl default).
 */
import "zod";

declare module "zod" {
  interface GlobalMeta {
    /** the unit of a number (or of a size string), for the config reference */
    unit?: string;
    /** the default in words, where there is no literal default */
    defaultText?: string;
  }
}

/** The metadata keys foliox adds to zod's: documentation only, not JSON Schema keywords. */
export const DOC_META_KEYS = ["unit", "defaultText"] as const;
