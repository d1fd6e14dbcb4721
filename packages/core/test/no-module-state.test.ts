/**
 * No module-level mutable state in any package's src/: a system's state lives in the objects its
 * container builds (system.ts, the composition root), so two systems in one process never share
 * it. This parses every packages/<pkg>/src/**\/*.ts with the TypeScript compiler API and fails on
 * - a module-scope `let` or `var`;
 * - a module-scope `new WeakMap`/`new WeakSet` (per-object side tables: per-system state in
 *   disguise);
 * - a module-scope `const` whose value (an object or array literal, a `new` object) is mutated
 *   after the module has loaded: an assignment to, ++/-- or delete of one of its properties or
 *   elements, or a call of a mutating method (set, add, push, fill…) on it, inside any function.
 *   Filling a lookup table at the module's top level, while it loads, is initialisation and is
 *   allowed.
 * Mutations are matched to declarations by the type checker's symbols, also across the files of
 * one package. A finding can only be allowed in ALLOWED below, with the reason next to it.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const PACKAGES = join(dirname(fileURLToPath(import.meta.url)), "../..");
const REPO = join(PACKAGES, "..");

/** "path/from/repo.ts:name" → why this module state is acceptable. Keep it empty if you can. */
const ALLOWED: ReadonlyMap<string, string> = new Map<string, string>([
  // Process-wide by nature, not per system: the bin's SIGINT/SIGTERM handlers are installed once
  // per process, and the cleanups they run are the process's own (a partial file, the terminal).
  ["packages/cli/src/signals.ts:installed", "signal handlers are installed once per process"],
  ["packages/cli/src/signals.ts:cleanups", "the process's interrupt cleanups, run by its signal handlers"],
  // A sweep worker thread keeps, across the tasks it is given, the plugins and trace shapes it
  // loaded: per worker thread, never per simulated system (each task builds a fresh system).
  ["packages/cli/src/sweep/worker.ts:loaded", "plugins loaded once per worker thread"],
  ["packages/cli/src/sweep/worker.ts:shapes", "trace footprints read once per worker thread"],
]);

const MUTATING_METHODS = new Set(["set", "add", "delete", "clear", "push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin"]);

function sourceFiles(packages = PACKAGES): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
    }
  };
  for (const pkg of readdirSync(packages)) {
    const src = join(packages, pkg, "src");
    try {
      if (statSync(src).isDirectory()) walk(src);
    } catch {
      // a package without src/
    }
  }
  return out.sort();
}

function isModuleScope(decl: ts.Node): decl is ts.VariableDeclaration {
  return (
    ts.isVariableDeclaration(decl) &&
    ts.isVariableDeclarationList(decl.parent) &&
    ts.isVariableStatement(decl.parent.parent) &&
    ts.isSourceFile(decl.parent.parent.parent)
  );
}

/** The identifier a property/element chain starts from (a.b[c].d → a), or null. */
function rootIdentifier(e: ts.Expression): ts.Identifier | null {
  for (;;) {
    if (ts.isIdentifier(e)) return e;
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isNonNullExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
    else return null;
  }
}

/** Inside a function (runs after the module loaded), rather than at the module's top level? */
function atRunTime(n: ts.Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (ts.isFunctionLike(p)) return true;
    if (ts.isPropertyDeclaration(p) && !(ts.getCombinedModifierFlags(p) & ts.ModifierFlags.Static)) return true;
  }
  return false;
}

function assignmentOperator(k: ts.SyntaxKind): boolean {
  return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
}

/** The receiver chain a node mutates, if it is a mutation: x.a = …, x[i]++, delete x.a, x.push(…). */
function mutatedChain(n: ts.Node): ts.Expression | null {
  if (ts.isBinaryExpression(n) && assignmentOperator(n.operatorToken.kind) && (ts.isPropertyAccessExpression(n.left) || ts.isElementAccessExpression(n.left)))
    return n.left;
  if (
    (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) &&
    (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)
  ) {
    const t = n.operand;
    if (ts.isPropertyAccessExpression(t) || ts.isElementAccessExpression(t)) return t;
  }
  if (ts.isDeleteExpression(n)) return n.expression;
  if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && MUTATING_METHODS.has(n.expression.name.text)) return n.expression.expression;
  return null;
}

interface Finding {
  where: string;
  name: string;
  what: string;
}

function scan(files: readonly string[], root = REPO): Finding[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    experimentalDecorators: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const findings: Finding[] = [];
  const at = (sf: ts.SourceFile, n: ts.Node) => `${relative(root, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  for (const sf of program.getSourceFiles()) {
    if (!files.includes(sf.fileName)) continue;
    for (const st of sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      const list = st.declarationList;
      const kind = list.flags & ts.NodeFlags.Let ? "let" : list.flags & ts.NodeFlags.Const ? "const" : "var";
      for (const d of list.declarations) {
        const name = d.name.getText(sf);
        if (kind !== "const") findings.push({ where: at(sf, d), name, what: `module-scope ${kind}` });
        else if (
          d.initializer &&
          ts.isNewExpression(d.initializer) &&
          ts.isIdentifier(d.initializer.expression) &&
          /^Weak(Map|Set)$/.test(d.initializer.expression.text)
        ) {
          findings.push({ where: at(sf, d), name, what: `module-scope new ${d.initializer.expression.text}` });
        }
      }
    }
    const visit = (n: ts.Node): void => {
      const chain = mutatedChain(n);
      if (chain && atRunTime(n)) {
        const id = rootIdentifier(chain);
        let sym = id ? checker.getSymbolAtLocation(id) : undefined;
        if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
        const decl = sym?.valueDeclaration;
        if (decl && isModuleScope(decl) && decl.parent.flags & ts.NodeFlags.Const) {
          const dsf = decl.getSourceFile();
          findings.push({ where: at(sf, n), name: decl.name.getText(dsf), what: `mutates the module-scope const declared at ${at(dsf, decl)}` });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return findings;
}

describe("no module-level mutable state in packages/*/src", () => {
  it("finds no module-scope let/var, no module-scope WeakMap/WeakSet, and no module-scope const mutated at run time", () => {
    const findings = scan(sourceFiles()).filter((f) => !ALLOWED.has(`${f.where.replace(/:\d+$/, "")}:${f.name}`));
    expect(findings.map((f) => `${f.where} ${f.name}: ${f.what}`)).toEqual([]);
  });

  it("catches each kind of module state, also a const mutated from another file, and allows load-time initialisation", () => {
    const dir = mkdtempSync(join(tmpdir(), "foliox-no-module-state-"));
    try {
      const src = join(dir, "pkg", "src");
      const write = (name: string, text: string) => {
        mkdirSync(src, { recursive: true });
        writeFileSync(join(src, name), text);
      };
      write(
        "state.ts",
        [
          "export let counter = 0;",
          "var legacy = 1;",
          "const perKernel = new WeakMap<object, number>();",
          "export const result = { last: 0 };",
          "const names = new Map<string, number>();",
          "const TABLE = new Uint8Array(4);",
          "TABLE[1] = 1; // load-time initialisation: allowed",
          "const FROZEN = new Set([1, 2]);",
          "export function remember(k: object, n: string): boolean {",
          "  names.set(n, 1);",
          "  return FROZEN.has(legacy + TABLE[0]! + (perKernel.get(k) ?? 0));",
          "}",
        ].join("\n"),
      );
      write("user.ts", ['import { result } from "./state.js";', "export function read(x: number): void {", "  result.last = x;", "}"].join("\n"));
      const found = scan(sourceFiles(dir), dir).map((f) => `${f.name}: ${f.what.replace(/ declared at .*/, "")}`);
      expect(found.sort()).toEqual([
        "counter: module-scope let",
        "legacy: module-scope var",
        "names: mutates the module-scope const",
        "perKernel: module-scope new WeakMap",
        "result: mutates the module-scope const",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
