/**
 * Structural-schema semantics of a CRD's `openAPIV3Schema`, as the real API server applies them to custom resources:
 * pruning of unknown fields, `default:` values, OpenAPI validation (ajv, errors worded like kube-openapi's),
 * `x-kubernetes-list-type` set/map uniqueness and `x-kubernetes-validations` CEL rules (with `oldSelf` on update),
 * typed and evaluated as `cel-rules.ts` compiles them. Generic over any CRD schema. Pure. The one engine behind the
 * local API server and the CLI's `validate` and `diff` (`../schema-problems.ts` words its errors the CLI's way).
 */

import { Optional } from "@marcbachmann/cel-js";
import type { ValidateFunction } from "ajv";
import { estimateCost } from "./cel-cost.js";
import { type CompiledRule, compileNodeRules } from "./cel-rules.js";
import type { DeclType } from "./cel-types.js";
import { sizesOfValues, toCelValue } from "./cel-values.js";
import type { FieldError } from "./field-errors.js";
import { goValue } from "./field-errors.js";
import { deepClone, deepEqual, isObject, OBJECT_META_FIELDS } from "./json.js";
import { makeAjv, toJsonSchema, translateAjvError } from "./schema-ajv.js";

export type SchemaNode = Record<string, unknown>;

/** How field.Error prints a value after "Invalid value: ". */
export const formatValue = goValue;

/** apimachinery renders a field path as `a.b[0].c`; map keys as `a[key]`. */
const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
const index = (path: string, i: number | string): string => `${path}[${i}]`;

const schemaType = (s: SchemaNode): string => (typeof s.type === "string" ? s.type : "");
const props = (s: SchemaNode): Record<string, SchemaNode> | undefined =>
  isObject(s.properties) ? (s.properties as Record<string, SchemaNode>) : undefined;
const additional = (s: SchemaNode): SchemaNode | undefined =>
  isObject(s.additionalProperties) ? (s.additionalProperties as SchemaNode) : undefined;
/** A declared property: own keys only, so `constructor` or `__proto__` in a document is an unknown field. */
const own = (known: Record<string, SchemaNode> | undefined, key: string): SchemaNode | undefined =>
  known && Object.hasOwn(known, key) ? known[key] : undefined;
const itemsOf = (s: SchemaNode): SchemaNode | undefined => (isObject(s.items) ? (s.items as SchemaNode) : undefined);
const preservesUnknown = (s: SchemaNode): boolean =>
  s["x-kubernetes-preserve-unknown-fields"] === true || s.additionalProperties === true;
const embedded = (s: SchemaNode): boolean => s["x-kubernetes-embedded-resource"] === true;

let sharedAjv: ReturnType<typeof makeAjv> | undefined;

/** `k8s.io/apiserver/pkg/apis/cel/config.go`: the cost limits of one rule evaluation and of one object's rules. */
const PER_CALL_LIMIT = 1_000_000n;
const RUNTIME_CEL_COST_BUDGET = 10_000_000n;

/** The cost spent on one object's rules so far (a bound computed from the object's actual sizes). */
interface Budget {
  spent: bigint;
  exhausted: boolean;
}

interface NodeProgram {
  decl: DeclType;
  rules: CompiledRule[];
}

export class StructuralSchema {
  private readonly validateFn: ValidateFunction;
  private readonly rules = new Map<SchemaNode, NodeProgram>();

  /**
   * `isResourceRoot`: the schema of a whole resource (rules there also see apiVersion, kind and metadata.name).
   * Throws an Error naming the failing field when the schema or one of its CEL rules does not compile.
   */
  constructor(
    readonly root: SchemaNode,
    isResourceRoot = true,
  ) {
    sharedAjv ??= makeAjv();
    this.validateFn = sharedAjv.compile(toJsonSchema(root));
    this.compileRules(root, "", isResourceRoot);
  }

  private compileRules(node: SchemaNode, path: string, isResourceRoot: boolean): void {
    if (Array.isArray(node["x-kubernetes-validations"]) && node["x-kubernetes-validations"].length > 0) {
      const compiled = compileNodeRules(node, isResourceRoot || embedded(node));
      const where = child(path, "x-kubernetes-validations");
      if (typeof compiled === "string") throw new Error(`${where}: ${compiled}`);
      compiled.rules.forEach((r, i) => {
        const err = r.error ?? r.messageError;
        if (err) throw new Error(`${where}[${i}]: Invalid value: ${formatValue(r.source.rule)}: ${err.detail}`);
      });
      this.rules.set(node, compiled);
    }
    for (const [k, s] of Object.entries(props(node) ?? {}))
      this.compileRules(s, child(path, `properties[${k}]`), false);
    const add = additional(node);
    if (add) this.compileRules(add, child(path, "additionalProperties"), false);
    const items = itemsOf(node);
    if (items) this.compileRules(items, child(path, "items"), false);
  }

  /** Removes fields the schema does not know (in place); returns their paths, e.g. `spec.foo`. */
  prune(obj: Record<string, unknown>): string[] {
    return this.pruneValue(obj, true);
  }

  /** Prunes any value of this schema; at a resource root apiVersion, kind and metadata stay. */
  pruneValue(value: unknown, isResourceRoot: boolean): string[] {
    const unknown: string[] = [];
    this.pruneNode(value, this.root, "", isResourceRoot, unknown);
    return unknown;
  }

  private pruneNode(value: unknown, schema: SchemaNode, path: string, isResource: boolean, unknown: string[]): void {
    if (Array.isArray(value)) {
      const items = itemsOf(schema);
      if (items)
        value.forEach((v, i) => {
          this.pruneNode(v, items, index(path, i), false, unknown);
        });
      return;
    }
    if (!isObject(value)) return;
    const known = props(schema);
    const add = additional(schema);
    const keepUnknown = preservesUnknown(schema);
    const isEmbedded = isResource || embedded(schema);
    for (const key of Object.keys(value)) {
      const fieldPath = child(path, key);
      if (isEmbedded && (key === "apiVersion" || key === "kind")) continue;
      if (isEmbedded && key === "metadata") {
        if (!isResource) pruneObjectMeta(value[key], fieldPath, unknown);
        continue;
      }
      const s = own(known, key) ?? add;
      if (s) this.pruneNode(value[key], s, own(known, key) ? fieldPath : index(path, key), false, unknown);
      else if (!keepUnknown) {
        unknown.push(fieldPath);
        delete value[key];
      }
    }
  }

  /** Applies `default:` values (and drops nulls of non-nullable fields) in place, like the real server's defaulting. */
  applyDefaults(obj: Record<string, unknown>): void {
    this.defaultNode(obj, this.root);
  }

  private defaultNode(value: unknown, schema: SchemaNode): void {
    if (Array.isArray(value)) {
      const items = itemsOf(schema);
      if (items) for (const v of value) this.defaultNode(v, items);
      return;
    }
    if (!isObject(value)) return;
    const known = props(schema);
    if (known) {
      for (const [key, s] of Object.entries(known)) {
        if (value[key] === null && s.nullable !== true) {
          if (s.default !== undefined) value[key] = deepClone(s.default);
          else delete value[key];
        } else if (value[key] === undefined && s.default !== undefined) {
          value[key] = deepClone(s.default);
        }
      }
    }
    const add = additional(schema);
    for (const [key, v] of Object.entries(value)) {
      const s = own(known, key) ?? add;
      if (s) this.defaultNode(v, s);
    }
  }

  /** All validation errors of `obj`; `old` (on update) enables transition rules (`oldSelf`). */
  validate(obj: Record<string, unknown>, old?: Record<string, unknown>): FieldError[] {
    const errors = this.validateOpenAPI(obj);
    this.checkNode(this.root, obj, old, old !== undefined, "", errors, true, { spent: 0n, exhausted: false });
    return dedupe(errors);
  }

  /** OpenAPI validation only (kube-openapi's part), for any value of this schema. */
  validateOpenAPI(value: unknown): FieldError[] {
    const errors: FieldError[] = [];
    if (!this.validateFn(value)) {
      for (const e of this.validateFn.errors ?? []) {
        const fe = translateAjvError(e, value);
        if (fe) errors.push(fe);
      }
    }
    return errors;
  }

  /** The CEL rules only, for any value of this schema (CRD admission checks defaults with them). */
  validateRules(value: unknown, old: unknown): FieldError[] {
    const errors: FieldError[] = [];
    this.checkNode(this.root, value, old, old !== undefined, "", errors, false, { spent: 0n, exhausted: false });
    return dedupe(errors);
  }

  private checkNode(
    schema: SchemaNode,
    value: unknown,
    old: unknown,
    hasOld: boolean,
    path: string,
    errors: FieldError[],
    lists: boolean,
    budget: Budget,
  ): void {
    if (value === undefined || value === null) return;
    const program = this.rules.get(schema);
    if (program)
      for (const rule of program.rules) {
        if (budget.exhausted) break;
        this.runRule(rule, program.decl, schema, value, old, hasOld, path, errors, budget);
      }

    if (Array.isArray(value)) {
      const items = itemsOf(schema);
      const listType = schema["x-kubernetes-list-type"];
      const mapKeys = Array.isArray(schema["x-kubernetes-list-map-keys"])
        ? (schema["x-kubernetes-list-map-keys"] as string[])
        : [];
      if (lists && listType === "set") checkSet(value, path, errors);
      if (lists && listType === "map") checkMapKeys(value, mapKeys, path, errors);
      if (!items) return;
      const oldList = Array.isArray(old) && hasOld ? old : undefined;
      value.forEach((item, i) => {
        // Only items of map lists correlate with an old item (by key), so only they see oldSelf.
        let oldItem: unknown;
        if (listType === "map" && oldList && isObject(item)) {
          oldItem = oldList.find((o) => isObject(o) && mapKeys.every((k) => deepEqual(o[k], item[k])));
        }
        this.checkNode(items, item, oldItem, oldItem !== undefined, index(path, i), errors, lists, budget);
      });
      return;
    }
    if (!isObject(value)) return;
    const known = props(schema);
    const add = additional(schema);
    const oldObj = hasOld && isObject(old) ? old : undefined;
    for (const [key, v] of Object.entries(value)) {
      const s = own(known, key) ?? add;
      if (!s) continue;
      const hasOldChild = oldObj !== undefined && Object.hasOwn(oldObj, key);
      const at = own(known, key) ? child(path, key) : index(path, key);
      this.checkNode(s, v, oldObj?.[key], hasOldChild, at, errors, lists, budget);
    }
  }

  private runRule(
    rule: CompiledRule,
    decl: DeclType,
    schema: SchemaNode,
    value: unknown,
    old: unknown,
    hasOld: boolean,
    path: string,
    errors: FieldError[],
    budget: Budget,
  ): void {
    const program = rule.rule;
    if (!program) return;
    if (rule.usesOldSelf && !hasOld && rule.source.optionalOldSelf !== true) return;
    const vars: Record<string, unknown> = { self: toCelValue(value, decl) };
    if (rule.usesOldSelf) {
      const oldValue = hasOld ? toCelValue(old, decl) : undefined;
      vars.oldSelf = rule.source.optionalOldSelf ? (hasOld ? Optional.of(oldValue) : Optional.none()) : oldValue;
    }
    const type = JSON.stringify(schemaType(schema));
    // cel-js counts no cost: the static estimate with this object's sizes bounds what the real server would count.
    // Past a limit the real server may refuse the object; not knowing, this server refuses it.
    const bound = estimateCost(program.ir, sizesOfValues(vars)).max;
    budget.spent += bound;
    if (budget.spent > RUNTIME_CEL_COST_BUDGET) {
      budget.exhausted = true;
      errors.push({
        field: path,
        reason: "FieldValueInvalid",
        message: `Invalid value: ${type}: validation failed due to running out of cost budget, no further validation rules will be run (the local API server bounds the cost of the rules on this object at ${budget.spent}, above the real server's budget of ${RUNTIME_CEL_COST_BUDGET}, and refuses what it cannot check)`,
      });
      return;
    }
    if (bound > PER_CALL_LIMIT) {
      errors.push({
        field: path,
        reason: "FieldValueInvalid",
        message: `Invalid value: ${type}: the cost of this rule on this object may exceed the real server's per-call limit of ${PER_CALL_LIMIT} (bounded at ${bound}); the local API server refuses what it cannot check: ${rule.source.rule}`,
      });
      return;
    }
    let result: unknown;
    try {
      result = program.program(vars);
    } catch (err) {
      // A rule that fails to evaluate is an error of the object, as in the real server: never skipped.
      errors.push({
        field: path,
        reason: "FieldValueInvalid",
        message: `Invalid value: ${type}: ${runtimeError(err)} evaluating rule: ${rule.source.rule}`,
      });
      return;
    }
    if (result === true) return;
    const field = rule.source.fieldPath ? joinFieldPath(path, rule.source.fieldPath) : path;
    let message = rule.source.message ?? `failed rule: ${rule.source.rule}`;
    if (rule.message) {
      try {
        const m = rule.message.program(vars);
        if (typeof m === "string" && m.trim()) message = m;
      } catch {
        // messageExpression failures fall back to the static message, as in the real server.
      }
    }
    const reason = rule.source.reason ?? "FieldValueInvalid";
    const rendered =
      reason === "FieldValueForbidden"
        ? `Forbidden: ${message}`
        : reason === "FieldValueRequired"
          ? `Required value: ${message}`
          : reason === "FieldValueDuplicate"
            ? `Duplicate value: ${message}`
            : `Invalid value: ${type}: ${message}`;
    errors.push({ field, reason, message: rendered });
  }
}

/** Compiling a large schema takes a while: CRD admission and registration of one CRD share the result. */
const compiledSchemas = new WeakMap<SchemaNode, StructuralSchema>();
export function structuralSchemaFor(schema: SchemaNode): StructuralSchema {
  let s = compiledSchemas.get(schema);
  if (!s) {
    s = new StructuralSchema(schema);
    compiledSchemas.set(schema, s);
  }
  return s;
}

/** cel-js's runtime error in cel-go's words where they differ ("no such key: x"). */
function runtimeError(err: unknown): string {
  const text =
    err instanceof Error ? ((err as { summary?: string }).summary ?? err.message.split("\n")[0] ?? "") : String(err);
  return text.replace(/^No such key: /, "no such key: ");
}

function joinFieldPath(base: string, rel: string): string {
  const trimmed = rel.startsWith(".") ? rel.slice(1) : rel;
  if (!base) return trimmed;
  return trimmed.startsWith("[") ? `${base}${trimmed}` : `${base}.${trimmed}`;
}

function checkSet(list: unknown[], path: string, errors: FieldError[]): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = 0; j < i; j++) {
      if (deepEqual(list[i], list[j])) {
        errors.push({
          field: index(path, i),
          reason: "FieldValueDuplicate",
          message: `Duplicate value: ${formatValue(list[i])}`,
        });
        break;
      }
    }
  }
}

function checkMapKeys(list: unknown[], keys: string[], path: string, errors: FieldError[]): void {
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (!isObject(item)) return;
    const keyObj: Record<string, unknown> = {};
    for (const k of keys) keyObj[k] = item[k];
    const id = JSON.stringify(keyObj);
    if (seen.has(id))
      errors.push({ field: index(path, i), reason: "FieldValueDuplicate", message: `Duplicate value: ${id}` });
    seen.add(id);
  });
}

/** Drops fields of ObjectMeta that do not exist (metadata of embedded resources and of every object). */
export function pruneObjectMeta(meta: unknown, path: string, unknown: string[]): void {
  if (!isObject(meta)) return;
  for (const key of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(key)) {
      unknown.push(child(path, key));
      delete meta[key];
    }
  }
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const id = `${e.field}\u0000${e.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
