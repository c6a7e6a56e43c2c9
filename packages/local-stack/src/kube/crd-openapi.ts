/**
 * The per-node walk of a CRD schema, after apiextensions-apiserver
 * `pkg/apis/apiextensions/validation/validation.go` (`ValidateCustomResourceDefinitionOpenAPISchema`,
 * `specStandardValidatorV3.validate`, `validateMapListKeysMapSet`): forbidden JSON Schema fields, `properties` beside
 * `additionalProperties`, defaults where they cannot be pruned, list and map types, list-map keys, and the static
 * checks of `x-kubernetes-validations`. CEL compilation, type checking and cost are delegated to `crd-cel.ts`, called
 * only where the subtree has no schema error, as the real server does. Pure.
 */

import { child, forbidden, invalid, key, notSupported, required } from "../../../../src/api/schema/field-errors.js";
import {
  additionalSchema,
  flag,
  hasAdditional,
  itemsOf,
  listOf,
  present,
  propertiesOf,
  type SchemaNode,
  schemasOf,
  str,
  typeOf,
} from "../../../../src/api/schema/schema-node.js";
import { type CelContext, celRuleErrors, childCelContext } from "./crd-cel.js";
import type { FieldError } from "./errors.js";
import { isObject } from "./meta.js";

const OPENAPI_V3_TYPES = ["array", "boolean", "integer", "number", "object", "string"];
const META_FIELDS = new Set(["metadata", "kind", "apiVersion"]);
const RULE_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"];

/** specStandardValidatorV3's state, cloned on the way down. */
export interface SchemaWalkState {
  allowDefaults: boolean;
  disallowDefaultsReason: string;
  insideResourceMeta: boolean;
  /** The highest path under which old and new values cannot be correlated (oldSelf is then refused). */
  uncorrelatablePath?: string;
}

export const ROOT_WALK_STATE: SchemaWalkState = {
  allowDefaults: true,
  disallowDefaultsReason: "",
  insideResourceMeta: false,
};

export interface SchemaErrors {
  schema: FieldError[];
  cel: FieldError[];
}

const forbidDefaults = (st: SchemaWalkState, reason: string): SchemaWalkState => ({
  ...st,
  allowDefaults: false,
  disallowDefaultsReason: reason,
});
const forbidOldSelf = (st: SchemaWalkState, path: string): SchemaWalkState =>
  st.uncorrelatablePath !== undefined ? st : { ...st, uncorrelatablePath: path };

export function validateOpenAPISchema(
  s: SchemaNode | undefined,
  path: string,
  st: SchemaWalkState,
  isRoot: boolean,
  cel: CelContext | undefined,
): SchemaErrors {
  const out: SchemaErrors = { schema: [], cel: [] };
  if (!s) return out;
  const add = (e: SchemaErrors) => {
    out.schema.push(...e.schema);
    out.cel.push(...e.cel);
  };
  out.schema.push(...standard(s, path, st));
  if (flag(s, "uniqueItems"))
    out.schema.push(
      forbidden(
        child(path, "uniqueItems"),
        "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
      ),
    );
  const props = propertiesOf(s);
  if (hasAdditional(s)) {
    if (props && (s.additionalProperties === false || isObject(s.additionalProperties)))
      out.schema.push(
        forbidden(child(path, "additionalProperties"), "additionalProperties and properties are mutual exclusive"),
      );
    const sub = st.insideResourceMeta
      ? forbidDefaults(st, "inside additionalProperties applying to object metadata")
      : st;
    const addSchema = additionalSchema(s);
    add(
      validateOpenAPISchema(
        addSchema,
        child(path, "additionalProperties"),
        sub,
        false,
        cel && addSchema ? childCelContext(cel, addSchema) : undefined,
      ),
    );
  }
  for (const [name, p] of Object.entries(props ?? {})) {
    if (!isObject(p)) continue;
    let sub = st;
    const mapType = s["x-kubernetes-map-type"];
    if (!(mapType === undefined || mapType === null || mapType === "granular" || mapType === "atomic"))
      sub = forbidOldSelf(sub, path);
    if ((isRoot || flag(s, "x-kubernetes-embedded-resource")) && META_FIELDS.has(name)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = forbidDefaults(sub, `in top-level ${name}`);
    }
    add(
      validateOpenAPISchema(
        p,
        key(child(path, "properties"), name),
        sub,
        false,
        cel ? childCelContext(cel, p) : undefined,
      ),
    );
  }
  if (isObject(s.not)) add(validateOpenAPISchema(s.not, child(path, "not"), st, false, undefined));
  for (const j of ["allOf", "oneOf", "anyOf"])
    schemasOf(s, j).forEach((n, i) => {
      add(validateOpenAPISchema(n, key(child(path, j), i), st, false, undefined));
    });
  if (isObject(s.definitions))
    for (const [k, d] of Object.entries(s.definitions))
      if (isObject(d)) add(validateOpenAPISchema(d, key(child(path, "definitions"), k), st, false, undefined));
  if (present(s, "items")) {
    const sub = s["x-kubernetes-list-type"] === "map" ? st : forbidOldSelf(st, path);
    const items = itemsOf(s);
    if (items)
      add(
        validateOpenAPISchema(items, child(path, "items"), sub, false, cel ? childCelContext(cel, items) : undefined),
      );
    else
      schemasOf(s, "items").forEach((n, i) => {
        add(
          validateOpenAPISchema(n, key(child(path, "items"), i), sub, false, cel ? childCelContext(cel, n) : undefined),
        );
      });
  }
  if (isObject(s.dependencies))
    for (const [k, d] of Object.entries(s.dependencies))
      if (isObject(d)) add(validateOpenAPISchema(d, key(child(path, "dependencies"), k), st, false, undefined));
  if (s["x-kubernetes-preserve-unknown-fields"] === false)
    out.schema.push(invalid(child(path, "x-kubernetes-preserve-unknown-fields"), false, "must be true or undefined"));
  out.schema.push(...mapAndListTypes(s, path), ...mapListKeysMapSet(s, path));
  const rules = listOf(s, "x-kubernetes-validations");
  if (rules.length > 0) {
    out.schema.push(...ruleStaticErrors(s, rules, path));
    // Schema errors at this level or deeper make CEL type information meaningless: the real server skips CEL then.
    if (out.schema.length === 0 && cel) out.cel.push(...celRuleErrors(s, cel, path, st.uncorrelatablePath));
  }
  return out;
}

function standard(s: SchemaNode, path: string, st: SchemaWalkState): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeOf(s);
  if (type && !OPENAPI_V3_TYPES.includes(type)) errs.push(notSupported(child(path, "type"), type, OPENAPI_V3_TYPES));
  if (present(s, "default") && !st.allowDefaults)
    errs.push(
      forbidden(
        child(path, "default"),
        st.disallowDefaultsReason ? `must not be set ${st.disallowDefaultsReason}` : "must not be set",
      ),
    );
  if (str(s, "id")) errs.push(forbidden(child(path, "id"), "id is not supported"));
  if (present(s, "additionalItems"))
    errs.push(forbidden(child(path, "additionalItems"), "additionalItems is not supported"));
  if (isObject(s.patternProperties) && Object.keys(s.patternProperties).length)
    errs.push(forbidden(child(path, "patternProperties"), "patternProperties is not supported"));
  if (isObject(s.definitions) && Object.keys(s.definitions).length)
    errs.push(forbidden(child(path, "definitions"), "definitions is not supported"));
  if (present(s, "dependencies")) errs.push(forbidden(child(path, "dependencies"), "dependencies is not supported"));
  if (present(s, "$ref")) errs.push(forbidden(child(path, "$ref"), "$ref is not supported"));
  if (type === "null")
    errs.push(forbidden(child(path, "type"), "type cannot be set to null, use nullable as an alternative"));
  if (Array.isArray(s.items) && s.items.length)
    errs.push(forbidden(child(path, "items"), "items must be a schema object and not an array"));
  if (st.insideResourceMeta && flag(s, "x-kubernetes-embedded-resource"))
    errs.push(forbidden(child(path, "x-kubernetes-embedded-resource"), "must not be used inside of resource meta"));
  return errs;
}

function mapAndListTypes(s: SchemaNode, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeOf(s);
  const mapType = s["x-kubernetes-map-type"];
  const listType = s["x-kubernetes-list-type"];
  const typeMust = (detail: string) =>
    errs.push(type ? invalid(child(path, "type"), type, detail) : required(child(path, "type"), detail));
  if (present(s, "x-kubernetes-map-type") && type !== "object")
    typeMust("must be object if x-kubernetes-map-type is specified");
  if (present(s, "x-kubernetes-map-type") && mapType !== "atomic" && mapType !== "granular")
    errs.push(notSupported(child(path, "x-kubernetes-map-type"), mapType, ["atomic", "granular"]));
  const items = itemsOf(s);
  if (present(s, "x-kubernetes-list-type") && type !== "array")
    typeMust("must be array if x-kubernetes-list-type is specified");
  else if (listType === "set" && items) {
    const detail = "must be atomic as item of a list with x-kubernetes-list-type=set";
    const itemListType = items["x-kubernetes-list-type"];
    if (typeOf(items) === "array" && present(items, "x-kubernetes-list-type") && itemListType !== "atomic")
      errs.push(invalid(child(child(path, "items"), "x-kubernetes-list-type"), itemListType, detail));
    // The real server prints the items' list type here, not their map type.
    if (typeOf(items) === "object" && items["x-kubernetes-map-type"] !== "atomic")
      errs.push(
        invalid(child(child(path, "items"), "x-kubernetes-map-type"), items["x-kubernetes-list-type"] ?? null, detail),
      );
  }
  if (present(s, "x-kubernetes-list-type") && !["atomic", "set", "map"].includes(listType as string))
    errs.push(notSupported(child(path, "x-kubernetes-list-type"), listType, ["atomic", "set", "map"]));
  const keys = listOf(s, "x-kubernetes-list-map-keys");
  if (keys.length > 0) {
    const detail = "must be map if x-kubernetes-list-map-keys is non-empty";
    if (!present(s, "x-kubernetes-list-type")) errs.push(required(child(path, "x-kubernetes-list-type"), detail));
    else if (listType !== "map") errs.push(invalid(child(path, "x-kubernetes-list-type"), listType, detail));
  }
  if (listType === "map") {
    if (keys.length === 0)
      errs.push(
        required(child(path, "x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"),
      );
    if (!present(s, "items"))
      errs.push(required(child(path, "items"), "must have a schema if x-kubernetes-list-type is map"));
    if (Array.isArray(s.items))
      errs.push(
        invalid(child(path, "items"), s.items, "must only have a single schema if x-kubernetes-list-type is map"),
      );
    if (items && typeOf(items) !== "object")
      errs.push(
        invalid(
          child(child(path, "items"), "type"),
          typeOf(items),
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    if (items && typeOf(items) === "object") {
      const seen = new Set<unknown>();
      const itemProps = propertiesOf(items) ?? {};
      for (const k of keys) {
        const p = typeof k === "string" ? itemProps[k] : undefined;
        if (p) {
          if (typeOf(p) === "array" || typeOf(p) === "object")
            errs.push(
              invalid(
                child(key(child(child(path, "items"), "properties"), String(k)), "type"),
                typeOf(items),
                "must be a scalar type if parent array's x-kubernetes-list-type is map",
              ),
            );
        } else
          errs.push(
            invalid(child(path, "x-kubernetes-list-map-keys"), keys, "entries must all be names of item properties"),
          );
        if (seen.has(k))
          errs.push(invalid(child(path, "x-kubernetes-list-map-keys"), keys, "must not contain duplicate entries"));
        seen.add(k);
      }
    }
  }
  return errs;
}

/** Set and map list items may not be null; map keys must be required or defaulted, and not nullable. */
function mapListKeysMapSet(s: SchemaNode, path: string): FieldError[] {
  const items = itemsOf(s);
  const listType = s["x-kubernetes-list-type"];
  if (!items || (listType !== "set" && listType !== "map")) return [];
  const errs: FieldError[] = [];
  if (flag(items, "nullable"))
    errs.push(
      forbidden(
        child(child(path, "items"), "nullable"),
        `cannot be nullable when x-kubernetes-list-type is ${listType}`,
      ),
    );
  if (listType === "map") {
    const req = new Set(listOf(items, "required"));
    const itemProps = propertiesOf(items) ?? {};
    for (const k of listOf(s, "x-kubernetes-list-map-keys")) {
      const p = typeof k === "string" ? itemProps[k] : undefined;
      if (!p) continue;
      const at = key(child(child(path, "items"), "properties"), String(k));
      if (!req.has(k) && !present(p, "default"))
        errs.push(
          required(
            child(at, "default"),
            "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
          ),
        );
      if (flag(p, "nullable"))
        errs.push(
          forbidden(child(at, "nullable"), "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"),
        );
    }
  }
  return errs;
}

const NEWLINES = /[\n\r]+/;

/** The checks of each rule that need no CEL: rule, message, messageExpression, reason and fieldPath. */
function ruleStaticErrors(s: SchemaNode, rules: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((raw, i) => {
    const r = isObject(raw) ? raw : {};
    const at = key(child(path, "x-kubernetes-validations"), i);
    const rule = typeof r.rule === "string" ? r.rule : "";
    const message = typeof r.message === "string" ? r.message : "";
    const messageExpression = typeof r.messageExpression === "string" ? r.messageExpression : "";
    const fieldPath = typeof r.fieldPath === "string" ? r.fieldPath : "";
    if (!rule.trim()) errs.push(required(child(at, "rule"), "rule is not specified"));
    else if (message.length > 0 && !message.trim())
      errs.push(invalid(child(at, "message"), message, "must be non-empty if specified"));
    else if (NEWLINES.test(message.trim()))
      errs.push(invalid(child(at, "message"), message, "must not contain line breaks"));
    else if (NEWLINES.test(rule.trim()) && !message.trim())
      errs.push(required(child(at, "message"), "message must be specified if rule contains line breaks"));
    if (messageExpression.length > 0 && !messageExpression.trim())
      errs.push(required(child(at, "messageExpression"), "messageExpression must be non-empty if specified"));
    if (present(r, "reason") && !RULE_REASONS.includes(r.reason as string))
      errs.push(notSupported(child(at, "reason"), r.reason, RULE_REASONS));
    if (fieldPath.length > 0 && !fieldPath.trim())
      errs.push(invalid(child(at, "fieldPath"), fieldPath, "must be non-empty if specified"));
    if (NEWLINES.test(fieldPath)) errs.push(invalid(child(at, "fieldPath"), fieldPath, "must not contain line breaks"));
    if (fieldPath.length > 0 && validFieldPath(fieldPath, s).error !== undefined)
      errs.push(invalid(child(at, "fieldPath"), fieldPath, "must be a valid path"));
  });
  return errs;
}

/**
 * cel.ValidFieldPath (`pkg/apiserver/schema/cel/validation.go`): a JSON path of `.field` and `['key']` steps that
 * exists in the schema; returns the normalised field path and the schema it reaches.
 */
export function validFieldPath(
  jsonPath: string,
  schema: SchemaNode,
  allowArrayNotation = true,
): { path?: string; schema?: SchemaNode; error?: string } {
  const tokens: string[] = [];
  for (let i = 0; i < jsonPath.length; ) {
    const c = jsonPath[i] as string;
    if (c === "'") {
      let j = i + 1;
      while (j < jsonPath.length && !(jsonPath[j] === "'" && jsonPath[j - 1] !== "\\")) j++;
      tokens.push(jsonPath.slice(i, j + 1));
      i = j + 1;
    } else if (c === "." || c === "[" || c === "]") {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < jsonPath.length && !".[]".includes(jsonPath[j] as string)) j++;
      tokens.push(jsonPath.slice(i, j));
      i = j;
    }
  }
  let path = "";
  let cur: SchemaNode | undefined = schema;
  const step = (name: string): string | undefined => {
    if (!cur) return "does not refer to a valid field";
    const props = propertiesOf(cur);
    if (props) {
      path = child(path, name);
      cur = isObject(props[name]) ? props[name] : undefined;
      return cur ? undefined : "does not refer to a valid field";
    }
    if (hasAdditional(cur)) {
      path = key(path, name);
      cur = additionalSchema(cur);
      return undefined;
    }
    return "does not refer to a valid field";
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    if (tok === "[") {
      if (!allowArrayNotation) return { error: "array notation is not allowed" };
      const lit = tokens[++i];
      if (lit === undefined) return { error: "unexpected end of JSON path" };
      if (lit.length < 2 || !lit.startsWith("'") || !lit.endsWith("'"))
        return { error: `expected single quoted string but got ${lit}` };
      const err = step(lit.slice(1, -1).replace(/\\'/g, "'").replace(/\\\\/g, "\\"));
      if (err) return { error: err };
      const close = tokens[++i];
      if (close === undefined) return { error: "unexpected end of JSON path" };
      if (close !== "]") return { error: `expected ] but got ${close}` };
    } else if (tok === ".") {
      const name = tokens[++i];
      if (name === undefined) return { error: "unexpected end of JSON path" };
      const err = step(name);
      if (err) return { error: err };
    } else return { error: `expected [ or . but got: ${tok}` };
  }
  return { path, schema: cur };
}
