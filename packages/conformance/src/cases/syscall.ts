/** exchange_folios(2): err[] per pair, the return value, and the MPOL_MF_MOVE_ALL rule (docs/decisions.md#seed-defect-9). */
import { copyProcess, createProcess } from "@foliox/core";
import { EACCES, EFAULT, EINVAL } from "@foliox/core";
import { check, checkEqual } from "../check.js";
import { checkHealthy } from "../state.js";
import type { ConformanceCase } from "../types.js";
import { exchangeable, readToken } from "./helpers.js";

const UNTOUCHED = 0x5eed;

export const syscallErr: ConformanceCase = {
  id: "syscall.exchange-folios",
  title: "exchange_folios(2) writes err[] for every pair, returns the number not exchanged, and applies the MOVE_ALL rule",
  requires: "both backends exchange (manifest.exchange)",
  applies: exchangeable,
  run(ctx) {
    const k = ctx.system();
    const task = createProcess(k, { nid: 0 });
    const p = ctx.pair(k, { task });
    const tokens = [readToken(k, p.old), readToken(k, p.new)];
    const hole = 0x7f0000000000;
    const err = [UNTOUCHED, UNTOUCHED, UNTOUCHED];
    const rc = ctx.sysExchangeFolios(k, task, 0, 3, [p.old.addr, p.old.addr, hole], [p.new.addr, p.old.addr, p.new.addr], err);
    checkEqual(err, [0, -EINVAL, -EFAULT], "err[] after (old,new), (old,old), (unmapped,new)");
    check(rc === 2, `exchange_folios returned ${rc}, expected 2 (pairs not exchanged)`);
    check(readToken(k, p.old) === tokens[0] && readToken(k, p.new) === tokens[1], "the exchanged pair reads the wrong data");
    checkHealthy(k, "after exchange_folios");
    // After fork both folios are maybe mapped by two mms: without CAP_SYS_NICE that is -EACCES.
    const child = copyProcess(k, task);
    check(typeof child !== "number", `fork failed: ${String(child)}`);
    // fork copies no PTEs of a shared file mapping (vma_needs_copy(): a fault fills them): the
    // child reads both pages, so each folio is maybe mapped by two mms whatever its kind.
    check(readToken(k, { ...p.old, task: child }) === tokens[0] && readToken(k, { ...p.new, task: child }) === tokens[1], "the child reads the wrong data");
    const err2 = [UNTOUCHED];
    const rc2 = ctx.sysExchangeFolios(k, task, 0, 1, [p.old.addr], [p.new.addr], err2);
    checkEqual(err2, [-EACCES], "err[] for folios shared with a child, without CAP_SYS_NICE");
    check(rc2 === 1, `exchange_folios of shared folios returned ${rc2}, expected 1`);
    checkHealthy(k, "after the refused exchange of shared folios");
  },
};
