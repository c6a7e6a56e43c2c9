/**
 * The import graph of src/: no circles, and each folder imports only what docs/architecture.md allows (the pure cores
 * do no I/O; nothing the operator ships imports the local stack).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const src = join(root, "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Module specifiers of a file's imports, re-exports and dynamic imports (type-only ones too: they are coupling). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [
    ...[...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1] as string),
    ...[...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] as string),
  ];
}

const rel = (p: string) => relative(src, p).replaceAll("\\", "/");
const graph = new Map<string, string[]>();
const external = new Map<string, string[]>();
for (const f of files(src)) {
  const deps: string[] = [];
  const ext: string[] = [];
  for (const s of specifiers(f)) {
    if (s.startsWith(".")) deps.push(rel(resolve(dirname(f), s.replace(/\.js$/, ".ts"))));
    else ext.push(s);
  }
  graph.set(rel(f), deps);
  external.set(rel(f), ext);
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function circles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe("src/ import graph", () => {
  it("has no import circle", () => {
    expect(circles()).toEqual([]);
  });

  it("each folder imports only the folders docs/architecture.md allows", () => {
    const allowed: Record<string, string[]> = {
      api: [],
      kube: [],
      metrics: [],
      drift: ["api"],
      policy: ["api"],
      accounts: ["api", "policy"],
      resync: ["api"],
      sagemaker: ["api", "kube"],
      reconciler: ["accounts", "api", "drift", "kube", "policy", "sagemaker"],
    };
    const folder = (f: string) => f.split("/")[0] as string;
    const wrong = [...graph].flatMap(([f, deps]) => {
      const rules = allowed[folder(f)];
      if (!rules) return []; // operator/ and cli/ wire everything
      return deps.filter((d) => folder(d) !== folder(f) && !rules.includes(folder(d))).map((d) => `${f} -> ${d}`);
    });
    expect(wrong).toEqual([]);
  });

  it("keeps the pure cores free of I/O: drift, policy evaluation, the reconciler's planning", () => {
    const pure = [...graph.keys()].filter((f) =>
      /^(drift\/|accounts\/resolve\.ts|policy\/(evaluate|glob|selector)\.ts|api\/re2\.ts|reconciler\/(plan|plan-types|status|error-policy|ownership|tags|finalizer|domain|resource|conditions|flap-guard|text)\.ts)/.test(
        f,
      ),
    );
    expect(pure.length).toBeGreaterThan(5);
    const io = pure.flatMap((f) =>
      (external.get(f) ?? [])
        .filter((s) => /^(node:|@kubernetes\/client-node|@aws-sdk\/)/.test(s))
        .map((s) => `${f} imports ${s}`),
    );
    expect(io).toEqual([]);
  });
});
