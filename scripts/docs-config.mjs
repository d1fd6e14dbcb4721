// `npm run docs:config`: writes the config file format's reference and JSON Schema from the zod
// schema of @foliox/tiering (its built dist, so run after a build; the npm script builds it):
//   - docs/config.md, the part between its BEGIN/END markers (the rest is written by hand);
//   - packages/tiering/schema/foliox.config.schema.json, which the package publishes.
// `--check` writes nothing and exits 1 naming each file that is out of date (CI, and the
// tiering package's config-docs test does the same check against the sources).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_SCHEMA_FILE, configSchemaText, spliceConfigReference } from "@foliox/tiering";

const root = fileURLToPath(new URL("..", import.meta.url));
const check = process.argv.includes("--check");
const page = join(root, "docs/config.md");
const schema = join(root, "packages/tiering", CONFIG_SCHEMA_FILE);

const read = (f) => {
  try {
    return readFileSync(f, "utf8");
  } catch {
    return null;
  }
};
const pageText = read(page);
if (pageText === null) {
  console.error(`docs:config: ${relative(root, page)} is missing; it holds the hand-written part of the reference`);
  process.exit(1);
}
const wanted = [
  [page, spliceConfigReference(pageText)],
  [schema, configSchemaText()],
];
const stale = wanted.filter(([f, text]) => read(f) !== text);
if (check) {
  for (const [f] of stale) console.error(`docs:config: ${relative(root, f)} is out of date with the zod schema; run npm run docs:config`);
  process.exit(stale.length ? 1 : 0);
}
for (const [f, text] of stale) {
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(f, text);
  console.log(`docs:config: wrote ${relative(root, f)}`);
}
if (stale.length === 0) console.log("docs:config: docs/config.md and the JSON Schema are up to date");
