/**
 * Structural-schema semantics of a CRD's `openAPIV3Schema`, as the real API server applies them to custom resources:
 * pruning of unknown fields, `default:` values, OpenAPI validation (ajv, errors worded like kube-openapi's),
 * `x-kubernetes-list-type` set/map uniqueness and `x-kubernetes-validations` CEL rules (with `oldSelf` on update).
 * Generic over any CRD schema. Pure.
 */

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { re2CompileError, re2RegExpEngine } from "../../api/re2.js";
import { type CompiledRule, compileRule, isUnsupportedFunction, toCel, type ValidationRule } from "./cel.js";
import type { FieldError } from "./errors.js";
import { deepClone, deepEqual, isObject, OBJECT_META_FIELDS } from "./meta.js";

export type SchemaNode = Record<string, unknown>;

const FORMATS: Record<string, RegExp | ((s: string) => boolean)> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  datetime: /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  email: /^[^\s@]+@[^\s@]+$/,
  hostname: /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  ipv6: (s) => s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s),
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/,
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/,
};

function makeAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: false,
    logger: false,
    unicodeRegExp: true,
    // The real server compiles and matches patterns with Go's regexp (RE2).
    code: { regExp: re2RegExpEngine },
    validateSchema: false,
    addUsedSchema: false,
  });
  for (const [name, test] of Object.entries(FORMATS))
    ajv.addFormat(name, typeof test === "function" ? { type: "string", validate: test } : test);
  return ajv;
}

let sharedAjv: Ajv | undefined;

/** OpenAPI v3 (Kubernetes flavour) → the JSON Schema ajv validates with: drop extensions, map nullable and int-or-string. */
function toJsonSchema(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith("x-kubernetes-") || k === "nullable" || k === "default" || k === "description") continue;
    if (k === "format") {
      // Formats the real server does not check (and numeric ones, which ajv types already cover) are dropped.
      if (typeof v === "string" && v in FORMATS) out.format = v;
      continue;
    }
    if (k === "pattern" && typeof v === "string") {
      if (!patternCompiles(v)) continue;
      out.pattern = v;
      continue;
    }
    if (k === "properties" && isObject(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toJsonSchema(s as SchemaNode)]));
    } else if ((k === "items" || k === "additionalProperties" || k === "not") && isObject(v)) {
      out[k] = toJsonSchema(v);
    } else if ((k === "allOf" || k === "anyOf" || k === "oneOf") && Array.isArray(v)) {
      out[k] = v.map((s) => toJsonSchema(s as SchemaNode));
    } else {
      out[k] = v;
    }
  }
  if (node["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    if (!out.anyOf) out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (node.nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

const patternCompiles = (p: string): boolean => re2CompileError(p) === undefined;

/** apimachinery renders a field path as `a.b[0].c`; map keys as `a[key]`. */
const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
const index = (path: string, i: number | string): string => `${path}[${i}]`;

/** How field.Error prints a value after "Invalid value: ". */
export function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null || v === undefined) return "null";
  return JSON.stringify(v);
}

const goTypeName = (v: unknown): string => {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
};

const schemaType = (s: SchemaNode): string => (typeof s.type === "string" ? s.type : "");

const props = (s: SchemaNode): Record<string, SchemaNode> | undefined =>
  isObject(s.properties) ? (s.properties as Record<string, SchemaNode>) : undefined;

const additional = (s: SchemaNode): SchemaNode | undefined =>
  isObject(s.additionalProperties) ? (s.additionalProperties as SchemaNode) : undefined;

const itemsOf = (s: SchemaNode): SchemaNode | undefined => (isObject(s.items) ? (s.items as SchemaNode) : undefined);

const preservesUnknown = (s: SchemaNode): boolean =>
  s["x-kubernetes-preserve-unknown-fields"] === true || s.additionalProperties === true;

export class StructuralSchema {
  private readonly validateFn: ValidateFunction;
  private readonly rules = new Map<SchemaNode, CompiledRule[]>();

  /** Throws an Error naming the failing field when the schema or one of its CEL rules does not compile. */
  constructor(readonly root: SchemaNode) {
    sharedAjv ??= makeAjv();
    this.validateFn = sharedAjv.compile(toJsonSchema(root));
    this.compileRules(root, "");
  }

  private compileRules(node: SchemaNode, path: string): void {
    const list = node["x-kubernetes-validations"];
    if (Array.isArray(list)) {
      const compiled: CompiledRule[] = [];
      list.forEach((r, i) => {
        try {
          compiled.push(compileRule(r as ValidationRule));
        } catch (err) {
          const where = child(path, `x-kubernetes-validations[${i}].rule`);
          throw new Error(
            `${where}: Invalid value: ${formatValue((r as ValidationRule).rule)}: compilation failed: ${
              err instanceof Error ? err.message.split("\n")[0] : String(err)
            }`,
          );
        }
      });
      this.rules.set(node, compiled);
    }
    for (const [k, s] of Object.entries(props(node) ?? {})) this.compileRules(s, child(path, `properties[${k}]`));
    const add = additional(node);
    if (add) this.compileRules(add, child(path, "additionalProperties"));
    const items = itemsOf(node);
    if (items) this.compileRules(items, child(path, "items"));
  }

  /** Removes fields the schema does not know (in place); returns their paths, e.g. `spec.foo`. */
  prune(obj: Record<string, unknown>): string[] {
    const unknown: string[] = [];
    this.pruneNode(obj, this.root, "", true, unknown);
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
    const embedded = isResource || schema["x-kubernetes-embedded-resource"] === true;
    for (const key of Object.keys(value)) {
      const fieldPath = child(path, key);
      if (embedded && (key === "apiVersion" || key === "kind")) continue;
      if (embedded && key === "metadata") {
        if (!isResource) pruneObjectMeta(value[key], fieldPath, unknown);
        continue;
      }
      const s = known?.[key] ?? add;
      if (s) this.pruneNode(value[key], s, known?.[key] ? fieldPath : index(path, key), false, unknown);
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
      const s = known?.[key] ?? add;
      if (s) this.defaultNode(v, s);
    }
  }

  /** All validation errors of `obj`; `old` (on update) enables transition rules (`oldSelf`). */
  validate(obj: Record<string, unknown>, old?: Record<string, unknown>): FieldError[] {
    const errors: FieldError[] = [];
    if (!this.validateFn(obj)) {
      for (const e of this.validateFn.errors ?? []) {
        const fe = translateAjvError(e, obj);
        if (fe) errors.push(fe);
      }
    }
    this.checkNode(this.root, obj, old, old !== undefined, "", errors);
    return dedupe(errors);
  }

  private checkNode(
    schema: SchemaNode,
    value: unknown,
    old: unknown,
    hasOld: boolean,
    path: string,
    errors: FieldError[],
  ): void {
    if (value === undefined || value === null) return;
    const rules = this.rules.get(schema);
    if (rules) for (const rule of rules) this.runRule(rule, schema, value, old, hasOld, path, errors);

    if (Array.isArray(value)) {
      const items = itemsOf(schema);
      const listType = schema["x-kubernetes-list-type"];
      const mapKeys = Array.isArray(schema["x-kubernetes-list-map-keys"])
        ? (schema["x-kubernetes-list-map-keys"] as string[])
        : [];
      if (listType === "set") checkSet(value, path, errors);
      if (listType === "map") checkMapKeys(value, mapKeys, path, errors);
      if (!items) return;
      const oldList = Array.isArray(old) && hasOld ? old : undefined;
      value.forEach((item, i) => {
        // Only items of map lists correlate with an old item (by key), so only they see oldSelf.
        let oldItem: unknown;
        if (listType === "map" && oldList && isObject(item)) {
          oldItem = oldList.find((o) => isObject(o) && mapKeys.every((k) => deepEqual(o[k], item[k])));
        }
        this.checkNode(items, item, oldItem, oldItem !== undefined, index(path, i), errors);
      });
      return;
    }
    if (!isObject(value)) return;
    const known = props(schema);
    const add = additional(schema);
    const oldObj = hasOld && isObject(old) ? old : undefined;
    for (const [key, v] of Object.entries(value)) {
      const s = known?.[key] ?? add;
      if (!s) continue;
      const hasOldChild = oldObj !== undefined && Object.hasOwn(oldObj, key);
      this.checkNode(s, v, oldObj?.[key], hasOldChild, known?.[key] ? child(path, key) : index(path, key), errors);
    }
  }

  private runRule(
    rule: CompiledRule,
    schema: SchemaNode,
    value: unknown,
    old: unknown,
    hasOld: boolean,
    path: string,
    errors: FieldError[],
  ): void {
    if (rule.usesOldSelf && !hasOld && rule.source.optionalOldSelf !== true) return;
    const vars: Record<string, unknown> = { self: toCel(value, schema) };
    if (rule.usesOldSelf) vars.oldSelf = hasOld ? toCel(old, schema) : null;
    const field = rule.source.fieldPath ? joinFieldPath(path, rule.source.fieldPath) : path;
    let result: unknown;
    try {
      result = rule.evaluate(vars);
    } catch (err) {
      if (isUnsupportedFunction(err)) return; // a CEL library function this evaluator lacks: do not refuse writes
      errors.push({
        field,
        reason: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(schemaType(schema))}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)} evaluating rule: ${rule.source.rule}`,
      });
      return;
    }
    if (result === true) return;
    let message = rule.source.message ?? `failed rule: ${rule.source.rule}`;
    if (rule.message) {
      try {
        const m = rule.message(vars);
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
            : `Invalid value: ${JSON.stringify(schemaType(schema))}: ${message}`;
    errors.push({ field, reason, message: rendered });
  }
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

/** Turns an ajv instance path (JSON pointer) into a Kubernetes field path, using the data to tell indexes from keys. */
function fieldPathOf(pointer: string, root: unknown): string {
  if (!pointer) return "";
  let path = "";
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      path = index(path, seg);
      cur = cur[Number(seg)];
    } else {
      path = child(path, seg);
      cur = isObject(cur) ? cur[seg] : undefined;
    }
  }
  return path;
}

/** Words an ajv error the way kube-openapi + apiextensions do (`Too many: 6: must have at most 5 items`, ...). */
function translateAjvError(e: ErrorObject, root: unknown): FieldError | undefined {
  // Branch errors inside anyOf/oneOf/not are summarised by the combinator's own error.
  if (/\/(anyOf|oneOf|not)\/\d*/.test(e.schemaPath) && !/(anyOf|oneOf|not)$/.test(e.schemaPath)) return undefined;
  const field = fieldPathOf(e.instancePath, root);
  const p = e.params as Record<string, unknown>;
  const data = e.data;
  const inBody = (detail: string) => ({
    field,
    reason: "FieldValueInvalid",
    message: `Invalid value: ${formatValue(data)}: ${field || "body"} in body ${detail}`,
  });
  switch (e.keyword) {
    case "required":
      return {
        field: child(field, String(p.missingProperty)),
        reason: "FieldValueRequired",
        message: "Required value",
      };
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).map((v) =>
        JSON.stringify(typeof v === "string" ? v : JSON.stringify(v)),
      );
      return {
        field,
        reason: "FieldValueNotSupported",
        message: `Unsupported value: ${formatValue(data)}: supported values: ${allowed.join(", ")}`,
      };
    }
    case "type": {
      const actual = goTypeName(data);
      const expected = Array.isArray(p.type)
        ? (p.type as string[]).filter((t) => t !== "null").join("/")
        : String(p.type);
      return {
        field,
        reason: "FieldValueTypeInvalid",
        message: `Invalid value: "${actual}": ${field || "body"} in body must be of type ${expected}: "${actual}"`,
      };
    }
    case "maxLength":
      return { field, reason: "FieldValueTooLong", message: `Too long: may not be more than ${p.limit} bytes` };
    case "maxItems":
      return {
        field,
        reason: "FieldValueTooMany",
        message: `Too many: ${Array.isArray(data) ? data.length : "?"}: must have at most ${p.limit} items`,
      };
    case "maxProperties":
      return {
        field,
        reason: "FieldValueTooMany",
        message: `Too many: ${isObject(data) ? Object.keys(data).length : "?"}: must have at most ${p.limit} items`,
      };
    case "minLength":
      return inBody(`should be at least ${p.limit} chars long`);
    case "minItems":
      return inBody(`should have at least ${p.limit} items`);
    case "minProperties":
      return inBody(`should have at least ${p.limit} properties`);
    case "pattern":
      return inBody(`should match '${p.pattern}'`);
    case "minimum":
      return inBody(`should be greater than or equal to ${p.limit}`);
    case "exclusiveMinimum":
      return inBody(`should be greater than ${p.limit}`);
    case "maximum":
      return inBody(`should be less than or equal to ${p.limit}`);
    case "exclusiveMaximum":
      return inBody(`should be less than ${p.limit}`);
    case "multipleOf":
      return inBody(`should be a multiple of ${p.multipleOf}`);
    case "uniqueItems":
      return inBody("shouldn't contain duplicates");
    case "format":
      return inBody(`must be of type ${p.format}: ${formatValue(data)}`);
    case "oneOf":
      return inBody("must validate one and only one schema (oneOf)");
    case "anyOf":
      return inBody("must validate at least one schema (anyOf)");
    case "not":
      return inBody("must not validate the schema (not)");
    default:
      return inBody(e.message ?? e.keyword);
  }
}
