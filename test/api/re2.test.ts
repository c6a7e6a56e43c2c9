import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { re2CompileError, re2Equivalent } from "../../src/api/re2.js";

const root = join(import.meta.dirname, "..", "..");

/** Every `pattern` in a schema tree, with its path. */
function patterns(node: unknown, path: string, out: Array<[string, string]>): Array<[string, string]> {
  if (Array.isArray(node)) for (const [i, n] of node.entries()) patterns(n, `${path}[${i}]`, out);
  else if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) {
      if (k === "pattern" && typeof v === "string") out.push([path, v]);
      else patterns(v, `${path}.${k}`, out);
    }
  return out;
}

const crdFiles = [
  ...readdirSync(join(root, "crds")).map((f) => join("crds", f)),
  ...readdirSync(join(root, "charts", "sagemaker-profile-operator", "crds")).map((f) =>
    join("charts", "sagemaker-profile-operator", "crds", f),
  ),
].filter((f) => f.endsWith(".yaml"));

describe("every pattern of every shipped CRD compiles with RE2 (Go's regexp, as kube-apiserver compiles them)", () => {
  it.each(crdFiles)("%s", (file) => {
    const found: Array<[string, string]> = [];
    for (const doc of parseAllDocuments(readFileSync(join(root, file), "utf8"))) patterns(doc.toJS(), "", found);
    expect(found.length).toBeGreaterThan(0);
    const refused = found.filter(([, p]) => re2CompileError(p) !== undefined);
    expect(refused).toEqual([]);
  });
});

describe("re2Equivalent", () => {
  it("keeps a pattern RE2 compiles", () => {
    expect(re2Equivalent("[a-z]{1,5}", 5)).toBe("[a-z]{1,5}");
  });

  it("rewrites an over-limit bound that maxLength makes redundant", () => {
    expect(re2CompileError("https://([a-z]+/?){3,1016}")).toContain("invalid repeat count");
    expect(re2Equivalent("https://([a-z]+/?){3,1016}", 1024)).toBe("https://([a-z]+/?){3,}");
  });

  it("refuses when maxLength would allow more iterations than the bound", () => {
    expect(() => re2Equivalent("https://([a-z]+/?){3,1016}", 1025)).toThrow(/allows 1017 iterations/);
  });

  it("refuses without a maxLength, inside an alternation, or when an iteration can be empty", () => {
    expect(() => re2Equivalent("a{1,2000}", undefined)).toThrow(/no maxLength/);
    expect(() => re2Equivalent("b|a{1,2000}", 10)).toThrow(/nested/);
    expect(() => re2Equivalent("(a?){1,2000}", 10)).toThrow(/empty string/);
    expect(() => re2Equivalent("a{1001}", 5000)).toThrow(/minimum count/);
  });

  it("refuses syntax RE2 does not have at all", () => {
    expect(re2CompileError("a(?=b)")).toMatch(/invalid or unsupported Perl syntax/);
    expect(() => re2Equivalent("a(?=b)", 10)).toThrow();
  });
});
