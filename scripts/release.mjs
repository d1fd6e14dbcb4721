// `npm run release`: versions every package from the pending changesets (`changeset version`:
// new versions, CHANGELOG.md files, internal ranges) and checks the result, publishing nothing.
//
// 1. Peer ranges first. A plugin's peer range on @foliox/core is not moved by changesets, and a
//    minor of core that leaves it would make changesets give every plugin a MAJOR (0.1.0 →
//    1.0.0). So, before versioning, each internal peer range that the planned version leaves is
//    moved to `^<planned version>`, and a changeset `release-peer-ranges-<package>.md` gives each
//    package whose peer range moved a minor (0.x) or major (≥ 1.0) of its own, saying what it
//    now needs (.changeset/config.json sets onlyUpdatePeerDependentsWhenOutOfRange, so a
//    peer range that still holds the new version changes nothing).
// 2. `changeset version`, then `npm install --package-lock-only` so that package-lock.json
//    records the new versions (npm ci refuses a lockfile out of step with package.json).
// 3. Checks: every internal range (dependencies, peer and dev) holds the version it points at,
//    and `npm publish --dry-run --workspaces` packs what would be published.
//
// Then commit, and `npx changeset publish` (logged in to npm) publishes the new versions.
// `--dry-run` prints the plan (peer ranges moved, their changesets included) and changes nothing.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dryRun = process.argv.includes("--dry-run");
// changesets' own modules, resolved through @changesets/cli (a root devDependency), so that the
// plan is computed exactly as `changeset version` computes it.
const fromChangesets = createRequire(createRequire(join(root, "package.json")).resolve("@changesets/cli/package.json"));
const semver = fromChangesets("semver");
const getReleasePlan = fromChangesets("@changesets/get-release-plan").default;

const DEP_FIELDS = ["dependencies", "peerDependencies", "devDependencies"];

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

function run(cmd, args) {
  console.log(`release: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) fail(`\`${cmd} ${args.join(" ")}\` exited with ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ""}`);
}

/** The workspace packages: name → { file, json }. */
function workspacePackages() {
  const byName = new Map();
  for (const entry of readdirSync(join(root, "packages"), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = join(root, "packages", entry.name, "package.json");
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const json = JSON.parse(text);
    byName.set(json.name, { file, json });
  }
  return byName;
}

/** Moves the internal peer ranges the plan leaves; returns one [package, peer, range, its version] per move. */
async function movePeerRanges() {
  const moved = [];
  // A moved range can change a dependent's own planned version, and so a range on it: repeat
  // until nothing moves (a chain is at most as long as the number of packages).
  for (let round = 0; round < 16; round++) {
    const planned = new Map((await getReleasePlan(root)).releases.filter((r) => r.type !== "none").map((r) => [r.name, r.newVersion]));
    const pkgs = workspacePackages();
    let changed = false;
    for (const [name, pkg] of pkgs) {
      let edited = false;
      for (const [peer, range] of Object.entries(pkg.json.peerDependencies ?? {})) {
        const next = planned.get(peer);
        if (!pkgs.has(peer) || next === undefined || semver.satisfies(next, range)) continue;
        const newRange = `^${next}`;
        console.log(`release: ${name}'s peer range on ${peer}: ${range} → ${newRange}`);
        pkg.json.peerDependencies[peer] = newRange;
        moved.push([name, peer, newRange, pkg.json.version]);
        edited = true;
      }
      if (edited) writeFileSync(pkg.file, `${JSON.stringify(pkg.json, null, 2)}\n`);
      changed ||= edited;
    }
    if (!changed) return moved;
  }
  fail("the peer ranges did not settle after 16 rounds");
}

/** changesets prints "must depend on the current version" for a moved range: say why that is expected. */
function explainMoved(moved) {
  if (moved.length === 0) return;
  console.log("release: (changesets reports each moved peer range as not holding the current version: it holds the new one, as intended)");
}

/** One changeset per package whose peer range moved, a minor (0.x) or major (≥ 1.0) saying what it now needs; returns their paths. */
function writePeerChangesets(moved) {
  const byPkg = new Map();
  for (const [name, peer, range, version] of moved) {
    const entry = byPkg.get(name) ?? { version, needs: [] };
    entry.needs.push(`\`${peer}\` ${range}`);
    byPkg.set(name, entry);
  }
  const files = [];
  for (const [name, { version, needs }] of byPkg) {
    const file = join(root, ".changeset", `release-peer-ranges-${name.replace(/^@/, "").replace(/\//g, "-")}.md`);
    const bump = semver.major(version) === 0 ? "minor" : "major";
    writeFileSync(file, `---\n"${name}": ${bump}\n---\n\nNeeds ${needs.join(", ")} as a peer dependency.\n`);
    console.log(`release: wrote ${relative(root, file)}`);
    files.push(file);
  }
  return files;
}

/** Every internal range must hold the version of the package it names. */
function checkInternalRanges() {
  const pkgs = workspacePackages();
  const problems = [];
  for (const [name, pkg] of pkgs) {
    for (const field of DEP_FIELDS) {
      for (const [dep, range] of Object.entries(pkg.json[field] ?? {})) {
        const target = pkgs.get(dep);
        if (target !== undefined && !semver.satisfies(target.json.version, range)) {
          problems.push(`${name}'s ${field} ${dep}@${range} does not hold ${dep}'s version ${target.json.version}`);
        }
      }
    }
  }
  if (problems.length > 0) fail(`internal ranges out of step:\n  ${problems.join("\n  ")}`);
  return pkgs;
}

if ((await getReleasePlan(root)).changesets.length === 0) {
  console.log("release: no pending changesets, so nothing to version; checking what would be published");
} else if (dryRun) {
  // Move the peer ranges and write their changesets only to compute the plan, then put every
  // package.json back as it was and remove those changesets.
  const saved = [...workspacePackages().values()].map((p) => [p.file, readFileSync(p.file, "utf8")]);
  let written = [];
  try {
    const moved = await movePeerRanges();
    written = writePeerChangesets(moved);
    explainMoved(moved);
    for (const r of (await getReleasePlan(root)).releases) {
      if (r.type !== "none") console.log(`release: ${r.name} ${r.oldVersion} → ${r.newVersion} (${r.type})`);
    }
  } finally {
    for (const [file, text] of saved) writeFileSync(file, text);
    for (const file of written) rmSync(file, { force: true });
  }
  process.exit(0);
} else {
  const moved = await movePeerRanges();
  writePeerChangesets(moved);
  explainMoved(moved);
  run("npx", ["changeset", "version"]);
  run("npm", ["install", "--package-lock-only", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"]);
}
const pkgs = checkInternalRanges();
run("npm", ["publish", "--dry-run", "--workspaces"]);
console.log(`release: ready to publish ${[...pkgs].map(([name, p]) => `${name}@${p.json.version}`).join(", ")}`);
console.log("release: review and commit the versions and CHANGELOG.md files, then `npx changeset publish` publishes them");
