/**
 * The foliox conformance suite against this backend: one test per case for each ordered pair
 * of the backends given; a case the manifests make inapplicable is listed as skipped with the
 * reason ("n/a (manifest: …)"). Add other backends, e.g. @foliox/anon's registerAnon, to run
 * the cross-backend pairs too.
 */
import { describe, it } from "vitest";
import { defineConformanceSuite, probeBackends } from "@foliox/conformance";
import { registerTemplateFs } from "../src/index.js";

defineConformanceSuite(describe, it, { backends: probeBackends(registerTemplateFs, "@foliox-template/template-fs") });
