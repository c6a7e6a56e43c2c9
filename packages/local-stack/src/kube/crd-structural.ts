/**
 * Structural schema rules of a CRD's `openAPIV3Schema`, after apiextensions-apiserver
 * `pkg/apiserver/schema/convert.go` (`NewStructural`: fields a structural schema cannot hold),
 * `pkg/apiserver/schema/validation.go` (`ValidateStructural`: types everywhere, value validations in
 * allOf/anyOf/oneOf/not carry no types, defaults, descriptions or extensions, int-or-string, embedded resources,
 * metadata at the root, patterns compiled with Go's regexp) and `pkg/apiserver/schema/complete.go`
 * (`validateStructuralCompleteness`). Works on the raw v1 JSON schema. Pure.
 */
import { re2CompileError, re2Search } from "../../../../src/api/re2.js";
import { child, forbidden, invalid, key, required, sortByText } from "../../../../src/api/schema/field-errors.js";
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
import type { FieldError } from "./errors.js";
import { isObject } from "./meta.js";

/** The first field NewStructural cannot convert, with its error (shown only when nothing else is wrong). */
export function newStructuralError(s: SchemaNode): string | undefined {
  const visit = (n: SchemaNode): string | undefined => {
    if (str(n, "id")) return "OpenAPIV3Schema 'id' is not supported";
    if (str(n, "$schema")) return "OpenAPIV3Schema 'schema' is not supported";
    if (str(n, "$ref")) return "OpenAPIV3Schema '$ref' is not supported";
    if (isObject(n.patternProperties) && Object.keys(n.patternProperties).length)
      return "OpenAPIV3Schema 'patternProperties' is not supported";
    if (isObject(n.dependencies) && Object.keys(n.dependencies).length)
      return "OpenAPIV3Schema 'dependencies' is not supported";
    if (present(n, "additionalItems")) return "OpenAPIV3Schema 'additionalItems' is not supported";
    if (isObject(n.definitions) && Object.keys(n.definitions).length)
      return "OpenAPIV3Schema 'definitions' is not supported";
    if (n["x-kubernetes-preserve-unknown-fields"] === false)
      return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
    if (Array.isArray(n.items) && n.items.length > 0)
      return "OpenAPIV3Schema 'items' must be a schema, but is an array";
    const next: SchemaNode[] = [
      ...(isObject(n.items) ? [n.items] : []),
      ...Object.values(isObject(n.properties) ? n.properties : {}).filter(isObject),
      ...(isObject(n.additionalProperties) ? [n.additionalProperties] : []),
      ...(isObject(n.not) ? [n.not] : []),
      ...schemasOf(n, "allOf"),
      ...schemasOf(n, "anyOf"),
      ...schemasOf(n, "oneOf"),
    ];
    for (const x of next) {
      const e = visit(x);
      if (e) return e;
    }
    return undefined;
  };
  return visit(s);
}

type Level = "root" | "item" | "field";

/** Go's regexp.Compile error for a pattern; compiled through re2Search's cache, which custom resources use next. */
function patternError(p: string): string | undefined {
  try {
    re2Search(p);
    return undefined;
  } catch {
    return re2CompileError(p);
  }
}

/** `anyOf: [{type: integer}, {type: string}]` and nothing else in either branch. */
function isIntOrStringAnyOf(anyOf: unknown): boolean {
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return false;
  const only = (n: unknown, t: string) =>
    isObject(n) && n.type === t && Object.entries(n).every(([k, v]) => k === "type" || isZero(v));
  return only(anyOf[0], "integer") && only(anyOf[1], "string");
}

/** Go's zero value as JSON decoding leaves it for an optional field. */
const isZero = (v: unknown): boolean =>
  v === undefined || v === null || v === false || v === "" || (Array.isArray(v) && v.length === 0);

/** ValidateStructural: invariants and completeness, sorted like the real server sorts them. */
export function validateStructural(path: string, s: SchemaNode): FieldError[] {
  return sortByText([...invariants(s, "root", path), ...completeness(s, path)]);
}

function invariants(s: SchemaNode, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeOf(s);
  const items = itemsOf(s);
  if (type === "array" && !items) errs.push(required(child(path, "items"), "must be specified"));
  if (items) errs.push(...invariants(items, "item", child(path, "items")));
  for (const [k, v] of Object.entries(propertiesOf(s) ?? {}))
    if (isObject(v)) errs.push(...invariants(v, "field", key(child(path, "properties"), k)));
  if (hasAdditional(s)) {
    if (lvl === "root") errs.push(forbidden(child(path, "additionalProperties"), "must not be used at the root"));
    const add = additionalSchema(s);
    if (add) errs.push(...invariants(add, "field", child(path, "additionalProperties")));
  }
  const intOrString = flag(s, "x-kubernetes-int-or-string");
  const preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
  const embedded = flag(s, "x-kubernetes-embedded-resource");
  if (intOrString && preserve)
    errs.push(
      invalid(
        child(path, "x-kubernetes-preserve-unknown-fields"),
        true,
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );
  if (intOrString && embedded)
    errs.push(
      invalid(
        child(path, "x-kubernetes-embedded-resource"),
        true,
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );

  const allOf = listOf(s, "allOf");
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = allOf.length >= 1 && isObject(allOf[0]) && isIntOrStringAnyOf(allOf[0].anyOf);
  errs.push(...valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, path));

  const checkMetadata = lvl === "root" || embedded;
  if (embedded && type !== "object") {
    const detail = "must be object if x-kubernetes-embedded-resource is true";
    errs.push(type ? invalid(child(path, "type"), type, detail) : required(child(path, "type"), detail));
  } else if (!type && !intOrString && !preserve) {
    const detail = {
      root: "must not be empty at the root",
      item: "must not be empty for specified array items",
      field: "must not be empty for specified object fields",
    }[lvl];
    errs.push(required(child(path, "type"), detail));
  }
  if (embedded && hasAdditional(s))
    errs.push(
      forbidden(child(path, "additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"),
    );
  if (lvl === "root" && type && type !== "object")
    errs.push(invalid(child(path, "type"), type, "must be object at the root"));

  const props = propertiesOf(s) ?? {};
  for (const name of ["kind", "apiVersion"]) {
    const p = props[name];
    if (p && checkMetadata && typeOf(p) !== "string")
      errs.push(invalid(child(key(child(path, "properties"), name), "type"), typeOf(p), "must be string"));
  }
  const metadata = props.metadata;
  if (isObject(metadata))
    errs.push(...metadataInvariants(metadata, checkMetadata, lvl, key(child(path, "properties"), "metadata")));
  if (embedded && !preserve && !propertiesOf(s))
    errs.push(
      required(
        child(path, "properties"),
        "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
      ),
    );
  return errs;
}

/** At the root, metadata may only restrict name and generateName; anything else is refused. */
function metadataInvariants(s: SchemaNode, checkMetadata: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && typeOf(s) !== "object") errs.push(invalid(child(path, "type"), typeOf(s), "must be object"));
  if (lvl === "root") {
    const props = Object.keys(propertiesOf(s) ?? {});
    const onlyNames = props.every((p) => p === "name" || p === "generateName");
    const rest = Object.entries(s).filter(([k, v]) => {
      if (k === "type" || k === "default") return false;
      if (k === "properties") return !onlyNames;
      return k === "required" ? v !== undefined && v !== null : !isZero(v) && !(isObject(v) && isEmptyMap(k, v));
    });
    if (rest.length > 0)
      errs.push(
        forbidden(
          path,
          "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ),
      );
  }
  return errs;
}

/** Maps that NewStructural builds by ranging over them are nil when empty. */
const isEmptyMap = (k: string, v: object): boolean => Object.keys(v).length === 0 && k !== "not" && k !== "items";

function valueValidation(s: SchemaNode, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf)
    schemasOf(s, "anyOf").forEach((n, i) => {
      errs.push(...nested(n, false, key(child(path, "anyOf"), i)));
    });
  schemasOf(s, "allOf").forEach((n, i) => {
    errs.push(...nested(n, skipFirstAllOfAnyOf && i === 0, key(child(path, "allOf"), i)));
  });
  schemasOf(s, "oneOf").forEach((n, i) => {
    errs.push(...nested(n, false, key(child(path, "oneOf"), i)));
  });
  if (isObject(s.not)) errs.push(...nested(s.not, false, child(path, "not")));
  const pattern = str(s, "pattern");
  if (pattern) {
    const err = patternError(pattern);
    if (err !== undefined)
      errs.push(invalid(child(path, "pattern"), pattern, `must be a valid regular expression, but isn't: ${err}`));
  }
  return errs;
}

/** A schema under allOf/anyOf/oneOf/not: value validations only. */
function nested(v: SchemaNode, skipAnyOf: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [...valueValidation(v, skipAnyOf, false, path)];
  if (isObject(v.items)) errs.push(...nested(v.items, false, child(path, "items")));
  if (isObject(v.properties))
    for (const [k, p] of Object.entries(v.properties))
      if (isObject(p)) errs.push(...nested(p, false, key(child(path, "properties"), k)));
  const notStructural = (field: string, detail: string) => errs.push(forbidden(child(path, field), detail));
  if (typeOf(v)) notStructural("type", "must be empty to be structural");
  // additionalProperties: false leaves nothing behind in a nested value validation.
  if (isObject(v.additionalProperties) || v.additionalProperties === true)
    notStructural("additionalProperties", "must be undefined to be structural");
  if (present(v, "default")) notStructural("default", "must be undefined to be structural");
  if (str(v, "title")) notStructural("title", "must be empty to be structural");
  if (str(v, "description")) notStructural("description", "must be empty to be structural");
  if (flag(v, "nullable")) notStructural("nullable", "must be false to be structural");
  for (const x of [
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
  ])
    if (flag(v, x)) notStructural(x, "must be false to be structural");
  if (listOf(v, "x-kubernetes-list-map-keys").length)
    notStructural("x-kubernetes-list-map-keys", "must be empty to be structural");
  for (const x of ["x-kubernetes-list-type", "x-kubernetes-map-type"])
    if (present(v, x)) notStructural(x, "must be undefined to be structural");
  if (listOf(v, "x-kubernetes-validations").length)
    notStructural("x-kubernetes-validations", "must be empty to be structural");
  if (isObject(v.properties) && "metadata" in v.properties)
    errs.push(forbidden(key(child(path, "properties"), "metadata"), "must not be specified in a nested context"));
  return errs;
}

/** Every property or items a value validation at the root names must exist in the structural part. */
function completeness(s: SchemaNode, path: string): FieldError[] {
  return junctorsComplete(s, s, path, path);
}

function junctorsComplete(v: SchemaNode, s: SchemaNode | undefined, sPath: string, vPath: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isObject(v.not)) errs.push(...nestedComplete(v.not, s, sPath, child(vPath, "not")));
  for (const j of ["allOf", "anyOf", "oneOf"])
    schemasOf(v, j).forEach((n, i) => {
      errs.push(...nestedComplete(n, s, sPath, key(child(vPath, j), i)));
    });
  return errs;
}

function nestedComplete(v: SchemaNode, s: SchemaNode | undefined, sPath: string, vPath: string): FieldError[] {
  if (!s) return [required(sPath, `because it is defined in ${vPath}`)];
  const errs = junctorsComplete(v, s, sPath, vPath);
  if (isObject(v.items))
    errs.push(...nestedComplete(v.items, itemsOf(s), child(sPath, "items"), child(vPath, "items")));
  const sProps = propertiesOf(s) ?? {};
  if (isObject(v.properties))
    for (const [k, p] of Object.entries(v.properties)) {
      if (!isObject(p)) continue;
      const sp = key(child(sPath, "properties"), k);
      const vp = key(child(vPath, "properties"), k);
      if (!sProps[k]) errs.push(required(sp, `because it is defined in ${vp}`));
      else errs.push(...nestedComplete(p, sProps[k], sp, vp));
    }
  return errs;
}
