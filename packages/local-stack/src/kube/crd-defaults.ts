/**
 * Defaults in a CRD schema, after apiextensions-apiserver `pkg/apiserver/schema/defaulting/validation.go`
 * (`ValidateDefaults`): every `default` is pruned already ("must not have unknown fields"), is valid against the
 * schema it sits in (OpenAPI validation and that schema's CEL rules, with and without an old value), and the walk
 * does not follow `additionalProperties`. Defaults of the metadata, apiVersion or kind of an embedded resource go
 * through ObjectMeta coercion in the real server, which this server does not implement: it refuses them. Pure.
 */
import { UNSUPPORTED } from "../../../../src/api/schema/cel-check.js";
import { child, invalid, key } from "../../../../src/api/schema/field-errors.js";
import { flag, itemsOf, present, propertiesOf, type SchemaNode } from "../../../../src/api/schema/schema-node.js";
import { StructuralSchema } from "../../../../src/api/schema/structural-schema.js";
import type { FieldError } from "./errors.js";
import { deepClone, deepEqual, isObject } from "./meta.js";

const META = new Set(["metadata", "apiVersion", "kind"]);

/** ValidateDefaults with isResourceRoot and requirePrunedDefaults, as CRD creation calls it. */
export function validateDefaults(path: string, root: SchemaNode): FieldError[] {
  return walk(path, root, true, false);
}

function walk(path: string, s: SchemaNode, isResourceRoot: boolean, insideMeta: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const embedded = isResourceRoot || flag(s, "x-kubernetes-embedded-resource");
  const meta = embedded ? false : insideMeta;
  if (present(s, "default")) errs.push(...checkDefault(path, s, embedded, meta));
  const items = itemsOf(s);
  if (items) errs.push(...walk(child(path, "items"), items, false, meta));
  for (const [k, p] of Object.entries(propertiesOf(s) ?? {})) {
    // Defaults under the top-level apiVersion, kind and metadata are refused by the schema walk already.
    if (!isObject(p) || (isResourceRoot && META.has(k))) continue;
    errs.push(...walk(key(child(path, "properties"), k), p, false, meta || (embedded && META.has(k))));
  }
  return errs;
}

function checkDefault(path: string, s: SchemaNode, isResourceRoot: boolean, insideMeta: boolean): FieldError[] {
  const value = s.default;
  const at = child(path, "default");
  if (insideMeta || reachesEmbeddedMeta(value, s, isResourceRoot))
    return [
      invalid(
        at,
        value,
        `a default that sets the metadata, apiVersion or kind of an embedded resource is ${UNSUPPORTED} (the real server coerces it as ObjectMeta)`,
      ),
    ];
  const schema = new StructuralSchema(s, isResourceRoot);
  const pruned = deepClone(value);
  schema.pruneValue(pruned, isResourceRoot);
  if (!deepEqual(pruned, value)) return [invalid(at, value, "must not have unknown fields")];
  const prefix = (e: FieldError): FieldError => ({ ...e, field: e.field ? child(at, e.field) : at });
  const openapi = schema.validateOpenAPI(value).map(prefix);
  if (openapi.length) return openapi;
  // CEL rules see the default as the new value, first with itself as the old value, then as a create.
  const withOld = schema.validateRules(value, value).map(prefix);
  return [...withOld, ...schema.validateRules(value, undefined).map(prefix)].filter(
    (e, i, all) => all.findIndex((x) => x.field === e.field && x.message === e.message) === i,
  );
}

/** True when the value sets apiVersion, kind or metadata of an embedded resource below this schema. */
function reachesEmbeddedMeta(value: unknown, s: SchemaNode, atResourceRoot: boolean): boolean {
  if (Array.isArray(value)) {
    const items = itemsOf(s);
    return items
      ? value.some((v) => reachesEmbeddedMeta(v, items, flag(items, "x-kubernetes-embedded-resource")))
      : false;
  }
  if (!isObject(value)) return false;
  if (atResourceRoot && flag(s, "x-kubernetes-embedded-resource") && Object.keys(value).some((k) => META.has(k)))
    return true;
  const props = propertiesOf(s) ?? {};
  return Object.entries(value).some(([k, v]) => {
    const p = props[k];
    return isObject(p) && reachesEmbeddedMeta(v, p, flag(p, "x-kubernetes-embedded-resource"));
  });
}
