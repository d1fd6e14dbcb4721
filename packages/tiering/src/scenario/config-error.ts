/**
 * ScenarioConfigError: a config that cannot be used, with one message per problem, each naming
 * the file, the field (and, for YAML and JSON, the line and column) and saying how to fix it.
 */
import type { z } from "zod";
import { didYouMean } from "../did-you-mean.js";

export { didYouMean };

export interface ConfigProblem {
  /** dotted field path, e.g. "workload.pattern.s"; "" for the whole file */
  field: string;
  /** 1-based line and column, when the source format gives them */
  line?: number;
  column?: number;
  message: string;
}

export class ScenarioConfigError extends Error {
  constructor(
    /** the file, or "scenario \"name\"" for a built-in or an in-memory config */
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(source, problems));
    this.name = "ScenarioConfigError";
  }
}

export function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  const head = `${source}: the scenario is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):`;
  const lines = problems.map((p) => {
    const where = p.line !== undefined ? `${source}:${p.line}:${p.column ?? 1}` : source;
    return `  ✖ ${where}: ${p.field === "" ? "" : `field ${p.field}: `}${p.message}`;
  });
  return [head, ...lines].join("\n");
}

/** A dotted path, with array indexes in brackets: workload.regions[1].size */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/**
 * Turn zod issues into problems with a fix each. `keysAt(path)` lists the fields an object at
 * that path accepts (for unknown-field hints).
 */
export function zodProblems(issues: readonly z.core.$ZodIssue[], keysAt: (path: readonly PropertyKey[]) => readonly string[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path;
    switch (issue.code) {
      case "unrecognized_keys": {
        const valid = keysAt(path);
        for (const key of issue.keys) {
          const guess = didYouMean(key, valid);
          out.push({
            field: formatPath([...path, key]),
            message: `unknown field "${key}"; ${guess ? `did you mean "${guess}"? ` : ""}remove it or rename it to one of: ${valid.join(", ")}`,
          });
        }
        break;
      }
      case "invalid_type": {
        const missing = (issue as { input?: unknown }).input === undefined;
        out.push({
          field: formatPath(path),
          message: missing ? `required: add ${formatPath(path) || "it"} (a ${issue.expected})` : `${issue.message}; give a ${issue.expected}`,
        });
        break;
      }
      case "invalid_value":
        out.push({
          field: formatPath(path),
          message: `${JSON.stringify((issue as { input?: unknown }).input)} is not allowed; use one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
        });
        break;
      case "invalid_union": {
        const { options, discriminator, input } = issue as { options?: unknown[]; discriminator?: string; input?: unknown };
        const value = discriminator && typeof input === "object" && input !== null ? (input as Record<string, unknown>)[discriminator] : input;
        out.push({
          field: formatPath(path),
          message: options ? `${JSON.stringify(value)} is not a known kind; set it to one of: ${options.join(", ")}` : issue.message,
        });
        break;
      }
      case "too_small":
      case "too_big":
        out.push({ field: formatPath(path), message: `${issue.message}; change the value` });
        break;
      default:
        out.push({ field: formatPath(path), message: issue.message });
    }
  }
  return out;
}
