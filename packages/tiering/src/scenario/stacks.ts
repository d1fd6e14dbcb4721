/**
 * The built-in stack names (the presets of stack/presets.ts), for help texts and listings. A
 * scenario may name any stack of the registry it is parsed with — these, a --plugin's, or one
 * its own `presets` composes — so this list does not validate anything (load.ts does).
 */
import { STACK_PRESETS } from "../stack/presets.js";

export const STACK_NAMES: readonly string[] = STACK_PRESETS.map((p) => p.name);
