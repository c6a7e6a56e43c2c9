/**
 * `x-kubernetes-validations` at CRD admission, after apiextensions-apiserver
 * `pkg/apis/apiextensions/validation/validation.go` (the CEL part of `ValidateCustomResourceDefinitionOpenAPISchema`,
 * `getExpressionCost`, `getCostErrorMessage`) and `cel_validation.go` (`CELSchemaContext`: cardinality under
 * lists and maps, `TotalCost`): compile errors, the per-rule limit `StaticEstimatedCostLimit` and the per-CRD limit
 * `StaticEstimatedCRDCostLimit`, `oldSelf` only where old and new values correlate, `optionalOldSelf` only with
 * `oldSelf`. Pure.
 */
import { type CompiledRule, compileNodeRules } from "../../../../src/api/schema/cel-rules.js";
import { child, forbidden, internalError, invalid, key } from "../../../../src/api/schema/field-errors.js";
import { additionalSchema, flag, listOf, type SchemaNode, typeOf } from "../../../../src/api/schema/schema-node.js";
import type { FieldError } from "./errors.js";
import { isObject } from "./meta.js";

export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000n;
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000n;
const MAX_U64 = (1n << 64n) - 1n;

export interface TotalCost {
  total: bigint;
  mostExpensive: Array<{ path: string; cost: bigint }>;
}

export interface CelContext {
  node: SchemaNode;
  /** The root of the resource or of an embedded resource (rules there also see apiVersion, kind, metadata.name). */
  isRoot: boolean;
  /** How many times this node can occur in one object; undefined when an enclosing list or map is unbounded. */
  maxCardinality: bigint | undefined;
  total: TotalCost;
  /** On update, rules of a version whose schema did not change are not held to the per-rule limit. */
  suppressPerExpressionCost: boolean;
}

export function rootCelContext(node: SchemaNode, suppressPerExpressionCost: boolean): CelContext {
  return { node, isRoot: true, maxCardinality: 1n, total: { total: 0n, mostExpensive: [] }, suppressPerExpressionCost };
}

/** extractMaxElements: how much a node multiplies the occurrences of its children. */
function maxElements(s: SchemaNode): bigint | undefined {
  if (typeOf(s) === "object") {
    if (additionalSchema(s) || s.additionalProperties === true || s.additionalProperties === false)
      return typeof s.maxProperties === "number" ? BigInt(Math.max(0, s.maxProperties)) : undefined;
    return 1n;
  }
  if (typeOf(s) === "array") return typeof s.maxItems === "number" ? BigInt(Math.max(0, s.maxItems)) : undefined;
  return 1n;
}

export function childCelContext(parent: CelContext, node: SchemaNode): CelContext {
  const factor = maxElements(parent.node);
  const maxCardinality =
    parent.maxCardinality === undefined || factor === undefined ? undefined : saturate(parent.maxCardinality * factor);
  return { ...parent, node, isRoot: flag(node, "x-kubernetes-embedded-resource"), maxCardinality };
}

const saturate = (n: bigint): bigint => (n > MAX_U64 ? MAX_U64 : n);

function observe(total: TotalCost, path: string, cost: bigint): void {
  total.total = saturate(total.total + cost);
  if (cost < STATIC_ESTIMATED_CRD_COST_LIMIT / 100n) return;
  total.mostExpensive.push({ path, cost });
  total.mostExpensive.sort((a, b) => (a.cost > b.cost ? -1 : a.cost < b.cost ? 1 : 0));
  total.mostExpensive.splice(4);
}

/** getCostErrorMessage, with Go's float formatting of the factor. */
export function costErrorMessage(costName: string, cost: bigint, limit: bigint): string {
  const f = Number(cost) / Number(limit);
  const factor = f > 100 ? "more than 100x" : f < 1.5 ? `${f.toFixed(6)}x` : `${f.toFixed(1)}x`;
  return `${costName} exceeds budget by factor of ${factor} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

/** A rule as the real server prints it in "Invalid value: ..." (its internal type, marshalled without JSON tags). */
function ruleValue(raw: unknown): string {
  const r = isObject(raw) ? raw : {};
  const s = (k: string) => (typeof r[k] === "string" ? r[k] : "");
  return JSON.stringify({
    Rule: s("rule"),
    Message: s("message"),
    MessageExpression: s("messageExpression"),
    Reason: typeof r.reason === "string" ? r.reason : null,
    FieldPath: s("fieldPath"),
    OptionalOldSelf: typeof r.optionalOldSelf === "boolean" ? r.optionalOldSelf : null,
  });
}

const invalidRule = (field: string, raw: unknown, detail: string): FieldError => ({
  field,
  reason: "FieldValueInvalid",
  message: `Invalid value: ${ruleValue(raw)}: ${detail}`,
});

const expressionCost = (cost: bigint, ctx: CelContext, cr: CompiledRule): bigint =>
  cost === 0n ? 0n : saturate(cost * (ctx.maxCardinality ?? cr.maxCardinality));

/** Compile errors, costs and oldSelf placement of the rules of one node. */
export function celRuleErrors(
  s: SchemaNode,
  ctx: CelContext,
  path: string,
  uncorrelatablePath: string | undefined,
): FieldError[] {
  const at = child(path, "x-kubernetes-validations");
  const compiled = compileNodeRules(s, ctx.isRoot);
  if (typeof compiled === "string")
    return [
      internalError(
        at,
        `internal error: failed to construct type information for x-kubernetes-validations rules: ${compiled}`,
      ),
    ];
  const raws = listOf(s, "x-kubernetes-validations");
  const errs: FieldError[] = [];
  compiled.rules.forEach((cr, i) => {
    const rulePath = child(key(at, i), "rule");
    const raw = raws[i];
    const cost = expressionCost(cr.rule?.maxCost ?? 0n, ctx, cr);
    if (!ctx.suppressPerExpressionCost && cost > STATIC_ESTIMATED_COST_LIMIT)
      errs.push(forbidden(rulePath, costErrorMessage("estimated rule cost", cost, STATIC_ESTIMATED_COST_LIMIT)));
    observe(ctx.total, rulePath, cost);
    if (cr.error) errs.push(invalidRule(rulePath, raw, cr.error.detail));
    const msgPath = child(key(at, i), "messageExpression");
    if (cr.messageError) errs.push(invalidRule(msgPath, raw, cr.messageError.detail));
    else if (cr.message) {
      const msgCost = expressionCost(cr.message.maxCost, ctx, cr);
      if (!ctx.suppressPerExpressionCost && msgCost > STATIC_ESTIMATED_COST_LIMIT)
        errs.push(
          forbidden(
            msgPath,
            costErrorMessage("estimated messageExpression cost", msgCost, STATIC_ESTIMATED_COST_LIMIT),
          ),
        );
      observe(ctx.total, msgPath, msgCost);
    }
    if (cr.usesOldSelf) {
      if (uncorrelatablePath !== undefined)
        errs.push(
          invalid(
            rulePath,
            cr.source.rule,
            `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatablePath}`,
          ),
        );
    } else if (cr.source.optionalOldSelf !== undefined)
      errs.push(
        invalid(
          child(key(at, i), "optionalOldSelf"),
          cr.source.optionalOldSelf,
          "may not be set if oldSelf is not used in rule",
        ),
      );
  });
  return errs;
}

/** The per-CRD total: the most expensive rules and the schema root, when the total exceeds the limit. */
export function totalCostErrors(total: TotalCost, schemaPath: string): FieldError[] {
  if (total.total <= STATIC_ESTIMATED_CRD_COST_LIMIT) return [];
  return [
    ...total.mostExpensive.map((e) =>
      forbidden(e.path, "contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema"),
    ),
    forbidden(
      schemaPath,
      costErrorMessage(
        "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
        total.total,
        STATIC_ESTIMATED_CRD_COST_LIMIT,
      ),
    ),
  ];
}
