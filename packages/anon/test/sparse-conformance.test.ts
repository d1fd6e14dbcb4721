/**
 * The conformance suite, unchanged, on a 1 TiB machine of 128 MiB sections (256 GiB DRAM + 768
 * GiB CXL): every case's folios come from sections the allocator initializes on first use
 * (mm/mem-map.ts), so the cases check the exchange on sparse memory as well as on the small
 * machines of conformance.test.ts.
 */
import { describe, it } from "vitest";
import { defineConformanceSuite, probeBackends } from "@foliox/conformance";
import { registerAnon } from "../src/index.js";

const GiB = 2 ** 30;

defineConformanceSuite(describe, it, { backends: probeBackends(registerAnon, "@foliox/anon"), memory: [256 * GiB, 768 * GiB] });
