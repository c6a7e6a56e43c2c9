/**
 * The subset of Kubernetes JSONPath that printer columns use: `.a.b`, `['a.b']`, `[0]`, `[-1]`, `[*]`, `.*`,
 * and filters `[?(@.type=="Ready")]` (==, !=, <, <=, >, >=, or bare existence). Pure.
 */

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "filter"; path: string[]; op?: string; literal?: string | number | boolean };

export type JsonPath = Step[];

export function parseJsonPath(expr: string): JsonPath {
  let s = expr.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1).trim();
  if (s.startsWith("$")) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ".") {
      i++;
      let j = i;
      while (j < s.length && s[j] !== "." && s[j] !== "[") j++;
      const name = s.slice(i, j);
      if (name === "*") steps.push({ kind: "wildcard" });
      else if (name) steps.push({ kind: "field", name });
      i = j;
    } else if (c === "[") {
      const close = findClose(s, i);
      const inner = s.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === "*") steps.push({ kind: "wildcard" });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: "field", name: inner.slice(1, -1) });
      else if (inner.startsWith("?(") && inner.endsWith(")")) steps.push(parseFilter(inner.slice(2, -1).trim()));
      else throw new Error(`unsupported JSONPath segment [${inner}] in ${expr}`);
    } else {
      let j = i;
      while (j < s.length && s[j] !== "." && s[j] !== "[") j++;
      steps.push({ kind: "field", name: s.slice(i, j) });
      i = j;
    }
  }
  return steps;
}

function findClose(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unclosed [ in JSONPath ${s}`);
}

function parseFilter(body: string): Step {
  const m = /^@((?:\.[A-Za-z0-9_\-/]+|\['[^']*'\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+))?$/.exec(body);
  if (!m) throw new Error(`unsupported JSONPath filter ${body}`);
  const path = [...(m[1] ?? "").matchAll(/\.([A-Za-z0-9_\-/]+)|\['([^']*)'\]/g)].map((x) => x[1] ?? x[2] ?? "");
  if (!m[2]) return { kind: "filter", path };
  const raw = (m[3] ?? "").trim();
  let literal: string | number | boolean;
  if (/^'.*'$|^".*"$/.test(raw)) literal = raw.slice(1, -1);
  else if (raw === "true" || raw === "false") literal = raw === "true";
  else if (!Number.isNaN(Number(raw))) literal = Number(raw);
  else literal = raw;
  return { kind: "filter", path, op: m[2], literal };
}

function get(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const p of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return typeof a === "number" && typeof b === "number" && a < b;
    case "<=":
      return typeof a === "number" && typeof b === "number" && a <= b;
    case ">":
      return typeof a === "number" && typeof b === "number" && a > b;
    case ">=":
      return typeof a === "number" && typeof b === "number" && a >= b;
    default:
      return false;
  }
}

/** Every value the path reaches, in document order (missing paths give none). */
export function evaluateJsonPath(path: JsonPath, root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of path) {
    const next: unknown[] = [];
    for (const v of current) {
      if (step.kind === "field") {
        if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.hasOwn(v, step.name)) {
          next.push((v as Record<string, unknown>)[step.name]);
        }
      } else if (step.kind === "index") {
        if (Array.isArray(v)) {
          const idx = step.index < 0 ? v.length + step.index : step.index;
          if (idx >= 0 && idx < v.length) next.push(v[idx]);
        }
      } else if (step.kind === "wildcard") {
        if (Array.isArray(v)) next.push(...v);
        else if (typeof v === "object" && v !== null) next.push(...Object.values(v));
      } else {
        const items = Array.isArray(v) ? v : [];
        for (const item of items) {
          const x = get(item, step.path);
          if (step.op === undefined ? x !== undefined && x !== null && x !== false : compare(x, step.op, step.literal))
            next.push(item);
        }
      }
    }
    current = next;
  }
  return current.filter((v) => v !== undefined);
}
