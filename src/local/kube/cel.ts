/**
 * `x-kubernetes-validations` rules: CEL expressions evaluated with `self` (and `oldSelf` for transition rules),
 * with the value conversions of the real server (integers are CEL ints). Pure.
 */
import { Environment } from "@marcbachmann/cel-js";
import { isObject } from "./meta.js";

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface CompiledRule {
  source: ValidationRule;
  usesOldSelf: boolean;
  evaluate(vars: Record<string, unknown>): unknown;
  message?(vars: Record<string, unknown>): unknown;
}

const env = new Environment({
  unlistedVariablesAreDyn: true,
  enableOptionalTypes: true,
  homogeneousAggregateLiterals: false,
});

/** Compiles a rule; throws with the parser's message when the expression is not valid CEL. */
export function compileRule(rule: ValidationRule): CompiledRule {
  const program = env.parse(rule.rule);
  const messageProgram = rule.messageExpression ? env.parse(rule.messageExpression) : undefined;
  return {
    source: rule,
    usesOldSelf: /\boldSelf\b/.test(rule.rule),
    evaluate: (vars) => program(vars),
    message: messageProgram ? (vars) => messageProgram(vars) : undefined,
  };
}

/** Schema-directed conversion to CEL values: `integer` becomes bigint, like int64 in the real server's CEL. */
export function toCel(value: unknown, schema: Record<string, unknown> | undefined): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "number") {
    const type = schema?.type;
    if (type === "integer" || (type === undefined && Number.isInteger(value))) return BigInt(Math.trunc(value));
    return value;
  }
  if (Array.isArray(value)) {
    const items = isObject(schema?.items) ? (schema.items as Record<string, unknown>) : undefined;
    return value.map((v) => toCel(v, items));
  }
  if (isObject(value)) {
    const props = isObject(schema?.properties) ? (schema.properties as Record<string, Record<string, unknown>>) : {};
    const additional = isObject(schema?.additionalProperties)
      ? (schema.additionalProperties as Record<string, unknown>)
      : undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v, props[k] ?? additional);
    return out;
  }
  return value;
}

/** True when an evaluation error means "this CEL implementation lacks a library function" rather than a failed rule. */
export const isUnsupportedFunction = (err: unknown): boolean =>
  err instanceof Error &&
  /no matching overload for '[^']*\.\w+\(|unknown function|not found: function/i.test(err.message);
