/**
 * Harness for the rules of the real server's own CEL test (apiextensions-apiserver
 * pkg/apiserver/schema/cel/validation_test.go, TestValidationExpressions), ported with their schemas and objects:
 * every "valid" rule compiles here and holds on the object, or is refused as not supported by the local API server, or
 * has a static cost a real server refuses at admission (both listed, so the gaps stay visible); every "errors" rule
 * fails with the real server's words.
 */

import { STATIC_ESTIMATED_COST_LIMIT } from "@sagemaker-profile-operator/local-stack/kube/crd-cel";
import { describe, expect, it } from "vitest";
import { compileNodeRules } from "../../../src/api/schema/cel-rules.js";
import { StructuralSchema } from "../../../src/api/schema/structural-schema.js";

export type Schema = Record<string, unknown>;
export const t = (type: string, format?: string): Schema => (format ? { type, format } : { type });
export const integerType = t("integer");
export const numberType = t("number");
export const floatType = t("number", "float");
export const doubleType = t("number", "double");
export const stringType = t("string");
export const byteType = t("string", "byte");
export const booleanType = t("boolean");
export const durationFormat = t("string", "duration");
export const dateFormat = t("string", "date");
export const dateTimeFormat = t("string", "date-time");
export const listType = (items: Schema): Schema => ({ type: "array", items });
export const mapType = (v: Schema): Schema => ({ type: "object", additionalProperties: v });
export const objectType = (properties: Record<string, Schema>): Schema => ({ type: "object", properties });
export const schemas = (...vals: Schema[]) => objectType(Object.fromEntries(vals.map((v, i) => [`val${i + 1}`, v])));
export const objs = (...vals: unknown[]) => Object.fromEntries(vals.map((v, i) => [`val${i + 1}`, v]));
export const intOrString: Schema = { "x-kubernetes-int-or-string": true };
export const embedded = (extra: Schema = {}): Schema => ({
  type: "object",
  "x-kubernetes-embedded-resource": true,
  ...extra,
});
export const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "foo", generateName: "pickItForMe", namespace: "xyz" },
  spec: { field1: "a" },
};
export const same = (a: string, b: string, lit: string) => `${a} == ${lit} && ${lit} == ${a} && ${a} == ${b}`;

export interface Case {
  name: string;
  /** The schema of a resource root (rules also see apiVersion, kind, metadata.name and generateName). */
  isRoot?: boolean;
  schema: Schema;
  obj: Record<string, unknown>;
  valid: string[];
  errors?: Record<string, string>;
}

export const MAX_INT64 = "9223372036854775807";

/** Rules of the real test this server refuses as not supported (functions cel-js lacks). */
const NOT_SUPPORTED = new Set([
  "'%d %s'.format([1, 'abc']) == '1 abc'",
  "self.val.all(k, v, v > 0)",
  "self.presentObj.?presentStr.optMap(v, v == 'value').hasValue()",
  "optional.ofNonZeroValue(1).hasValue()",
  "{?'k': optional.none(), 'k2': 'v2'} == {'k2': 'v2'}",
  "{?'k': optional.of('v'), 'k2': 'v2'} == {'k': 'v', 'k2': 'v2'}",
  "['a', ?optional.none(), 'c'] == ['a', 'c']",
  "['a', ?optional.of('v'), 'c'] == ['a', 'v', 'c']",
]);

/**
 * Rules of the real test whose static cost is unbounded (the elements of a list literal have no schema, so their
 * size is unknown to the estimator): the real test skips admission, but a real server refuses such a CRD, and so
 * does this one; at write time this server's cost bound refuses them too.
 */
const STATIC_COST_OVER_LIMIT = new Set([
  "['a', 'b', 'c'].join('-') == 'a-b-c'",
  "['a', 'b', 'c'].join() == 'abc'",
  // == on optionals: the size of an optional is unknown to the estimator.
  "self.?presentObj.?presentStr == optional.of('value')",
  "self.presentObj.?presentStr == optional.of('value')",
  "self.presentObj.?presentStr.or(optional.of('nope')) == optional.of('value')",
  "self.?absentObj.?absentStr == optional.none()",
  "self.?absentObj.?absentStr.or(optional.of('nope')) == optional.of('nope')",
  "self.m[?'k'] == optional.of('v')",
  "self.m[?'x'] == optional.none()",
  "self.l[?0] == optional.of('a')",
  "self.l[?1] == optional.none()",
  "self.absentObj.?absentStr == optional.none()",
]);

function staticCost(schema: Schema, rule: string): bigint {
  const compiled = compileNodeRules({ ...schema, "x-kubernetes-validations": [{ rule }] }, false);
  if (typeof compiled === "string") throw new Error(compiled);
  return compiled.rules[0]?.rule?.maxCost ?? 0n;
}

function run(schema: Schema, rule: string, obj: unknown, isRoot = false): { compile?: string; errors?: string[] } {
  let s: StructuralSchema;
  try {
    s = new StructuralSchema({ ...schema, "x-kubernetes-validations": [{ rule }] }, isRoot);
  } catch (err) {
    return { compile: err instanceof Error ? err.message : String(err) };
  }
  return { errors: s.validateRules(obj, undefined).map((e) => e.message) };
}

export function checkCases(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases)
      describe(c.name, () => {
        it("valid rules hold", () => {
          for (const rule of c.valid) {
            const r = run(c.schema, rule, c.obj, c.isRoot);
            if (STATIC_COST_OVER_LIMIT.has(rule)) {
              expect(staticCost(c.schema, rule), rule).toBeGreaterThan(STATIC_ESTIMATED_COST_LIMIT);
              continue;
            }
            if (NOT_SUPPORTED.has(rule)) {
              expect(r.compile, rule).toContain("not supported by the local API server");
              continue;
            }
            expect(r, rule).toEqual({ errors: [] });
          }
        });
        it("failing rules fail with the real server's words", () => {
          for (const [rule, words] of Object.entries(c.errors ?? {})) {
            if (STATIC_COST_OVER_LIMIT.has(rule)) {
              expect(staticCost(c.schema, rule), rule).toBeGreaterThan(STATIC_ESTIMATED_COST_LIMIT);
              continue;
            }
            const r = run(c.schema, rule, c.obj, c.isRoot);
            const text = r.compile ?? r.errors?.join("\n") ?? "";
            expect(text, rule).toContain(words);
          }
        });
      });
  });
}
