/**
 * x-kubernetes-validations compiled and evaluated as the real server does: what cel-go accepts compiles here (or is
 * refused as not supported, never as invalid), and evaluation follows Go's semantics where cel-js differs.
 */

import { describe, expect, it } from "vitest";
import { compileNodeRules } from "../../../src/api/schema/cel-rules.js";
import { StructuralSchema } from "../../../src/api/schema/structural-schema.js";

const spec = (rule: string, props: Record<string, unknown>) => ({
  type: "object",
  properties: props,
  "x-kubernetes-validations": [{ rule, message: "failed" }],
});

function compiled(rule: string, props: Record<string, unknown>) {
  const r = compileNodeRules(spec(rule, props), false);
  if (typeof r === "string" || !r.rules[0]) throw new Error(String(r));
  return r.rules[0];
}

const names = {
  type: "array",
  maxItems: 4,
  items: { type: "object", properties: { name: { type: "string", maxLength: 8 } } },
};

describe("compiling", () => {
  it("accepts has() of a field of an indexed element, as cel-go does (Gateway API's HTTPRoute uses it)", () => {
    expect(compiled("!has(self.names[0].name) || self.names[0].name != ''", { names }).error).toBeUndefined();
    expect(compiled("has(self.names[0].nope)", { names }).error?.detail).toContain("undefined field 'nope'");
  });

  it("refuses functions of the real environment it cannot evaluate as not supported, by their namespaced name", () => {
    const s = { name: { type: "string", maxLength: 8 } };
    for (const [rule, fn] of [
      ["format.dns1123Label().validate(self.name) == null", "validate"],
      ["format.dns1123Label() == format.dns1123Label()", "format.dns1123Label"],
      ["sets.contains([self.name], ['a'])", "sets.contains"],
      ["ip.isCanonical(self.name)", "ip.isCanonical"],
    ]) {
      const err = compiled(rule as string, s).error;
      expect(err).toEqual({
        kind: "unsupported",
        detail: `the function '${fn}' is not supported by the local API server`,
      });
    }
  });

  it("a macro variable may be named like a namespace", () => {
    expect(compiled("self.names.all(ip, ip.name.startsWith('a'))", { names }).error).toBeUndefined();
  });

  it("cel.bind is not part of the real environment", () => {
    expect(compiled("cel.bind(x, 1, x == 1)", {}).error?.detail).toContain("undeclared reference to 'cel'");
  });
});

describe("evaluating with Go's semantics", () => {
  const schema = new StructuralSchema(
    {
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: { s: { type: "string", maxLength: 32 }, want: { type: "string", maxLength: 32 } },
          "x-kubernetes-validations": [{ rule: "self.s == self.want", messageExpression: "'got ' + self.s" }],
        },
      },
    },
    true,
  );
  const evalRule = (rule: string, s: string) => {
    const sch = new StructuralSchema(
      {
        type: "object",
        properties: {
          spec: {
            type: "object",
            properties: { s: { type: "string", maxLength: 32 } },
            "x-kubernetes-validations": [{ rule, message: "failed" }],
          },
        },
      },
      true,
    );
    return sch.validate({ spec: { s } });
  };

  it("lowerAscii/upperAscii change ASCII letters only; substring and indexOf count code points; replace is Go's", () => {
    expect(evalRule("self.s.lowerAscii() == 'Éa'", "ÉA")).toEqual([]);
    expect(evalRule("self.s.upperAscii() == 'éA'", "éa")).toEqual([]);
    expect(evalRule("self.s.substring(1, 2) == 'b' && self.s.indexOf('b') == 1", "😀b")).toEqual([]);
    expect(evalRule("self.s.replace('', '-') == '-a-b-' && self.s.replace('a', 'x', 1) == 'xb'", "ab")).toEqual([]);
    expect(evalRule("self.s.charAt(1) == 'b' && self.s.charAt(2) == ''", "😀b")).toEqual([]);
  });

  it("matches() is RE2: Perl classes like \\pL work; a failing rule reports its messageExpression", () => {
    expect(evalRule("self.s.matches('^\\\\pL+$')", "zéro")).toEqual([]);
    expect(evalRule("self.s.matches('^\\\\pL+$')", "z3ro")).toHaveLength(1);
    expect(schema.validate({ spec: { s: "a", want: "b" } })).toEqual([
      { field: "spec", reason: "FieldValueInvalid", message: 'Invalid value: "object": got a' },
    ]);
  });
});
