/**
 * The fields of a v1 CustomResourceDefinition (apiextensions-apiserver `pkg/apis/apiextensions/v1/types.go`,
 * `types_jsonschema.go`). The real server's JSON decoder drops any other field: with a Warning under
 * fieldValidation=Warn, a 400 under Strict (KEP-2885), the path written as sigs.k8s.io/json writes it (map keys
 * after dots, indexes in brackets). Schemas under `items`, `additionalProperties`, `additionalItems` and
 * `dependencies` are decoded by their own `UnmarshalJSON` (`v1/marshal.go`) with the plain decoder: there unknown
 * fields are dropped silently, even under Strict. Pure.
 */
import { isObject } from "./meta.js";

type Shape =
  | true // a value with no fields to check
  | { fields: Record<string, Shape> }
  | { list: Shape }
  | { map: Shape }
  | "schema"
  | "schemaLax"; // a schema decoded without strictness

const obj = (fields: Record<string, Shape>): Shape => ({ fields });
const list = (of: Shape): Shape => ({ list: of });

const NAMES = obj({ plural: true, singular: true, shortNames: true, kind: true, listKind: true, categories: true });

const CRD: Shape = obj({
  apiVersion: true,
  kind: true,
  metadata: true,
  spec: obj({
    group: true,
    names: NAMES,
    scope: true,
    versions: list(
      obj({
        name: true,
        served: true,
        storage: true,
        deprecated: true,
        deprecationWarning: true,
        schema: obj({ openAPIV3Schema: "schema" }),
        subresources: obj({
          status: obj({}),
          scale: obj({ specReplicasPath: true, statusReplicasPath: true, labelSelectorPath: true }),
        }),
        additionalPrinterColumns: list(
          obj({ name: true, type: true, format: true, description: true, priority: true, jsonPath: true }),
        ),
        selectableFields: list(obj({ jsonPath: true })),
      }),
    ),
    conversion: obj({
      strategy: true,
      webhook: obj({
        clientConfig: obj({
          url: true,
          service: obj({ namespace: true, name: true, path: true, port: true }),
          caBundle: true,
        }),
        conversionReviewVersions: true,
      }),
    }),
    preserveUnknownFields: true,
  }),
  status: obj({
    conditions: list(
      obj({
        type: true,
        status: true,
        lastTransitionTime: true,
        reason: true,
        message: true,
        observedGeneration: true,
      }),
    ),
    acceptedNames: NAMES,
    storedVersions: true,
  }),
});

const SCHEMA_FIELDS: Record<string, Shape> = {
  id: true,
  $schema: true,
  $ref: true,
  description: true,
  type: true,
  format: true,
  title: true,
  default: true,
  maximum: true,
  exclusiveMaximum: true,
  minimum: true,
  exclusiveMinimum: true,
  maxLength: true,
  minLength: true,
  pattern: true,
  maxItems: true,
  minItems: true,
  uniqueItems: true,
  multipleOf: true,
  enum: true,
  maxProperties: true,
  minProperties: true,
  required: true,
  items: "schemaLax",
  allOf: list("schema"),
  oneOf: list("schema"),
  anyOf: list("schema"),
  not: "schema",
  properties: { map: "schema" },
  additionalProperties: "schemaLax",
  patternProperties: { map: "schema" },
  dependencies: { map: "schemaLax" },
  additionalItems: "schemaLax",
  definitions: { map: "schema" },
  externalDocs: obj({ description: true, url: true }),
  example: true,
  nullable: true,
  "x-kubernetes-preserve-unknown-fields": true,
  "x-kubernetes-embedded-resource": true,
  "x-kubernetes-int-or-string": true,
  "x-kubernetes-list-map-keys": true,
  "x-kubernetes-list-type": true,
  "x-kubernetes-map-type": true,
  "x-kubernetes-validations": list(
    obj({ rule: true, message: true, messageExpression: true, reason: true, fieldPath: true, optionalOldSelf: true }),
  ),
};

/**
 * Deletes the fields a CRD cannot hold; returns the paths the real decoder reports (not those dropped silently).
 * `metadata` is pruned elsewhere.
 */
export function pruneCrdUnknownFields(crd: Record<string, unknown>): string[] {
  const unknown: string[] = [];
  walk(crd, CRD, "", true, unknown);
  return unknown;
}

function walk(value: unknown, shape: Shape, path: string, strict: boolean, unknown: string[]): void {
  if (shape === true) return;
  if (shape === "schema" || shape === "schemaLax") {
    // items may also be an array of schemas; a boolean additionalProperties has no fields.
    if (Array.isArray(value))
      value.forEach((v, i) => {
        walk(v, shape, `${path}[${i}]`, strict && shape === "schema", unknown);
      });
    else walk(value, { fields: SCHEMA_FIELDS }, path, strict && shape === "schema", unknown);
    return;
  }
  if ("list" in shape) {
    if (Array.isArray(value))
      value.forEach((v, i) => {
        walk(v, shape.list, `${path}[${i}]`, strict, unknown);
      });
    return;
  }
  if (!isObject(value)) return;
  if ("map" in shape) {
    for (const [k, v] of Object.entries(value)) walk(v, shape.map, `${path}.${k}`, strict, unknown);
    return;
  }
  for (const key of Object.keys(value)) {
    const sub = shape.fields[key];
    const at = path ? `${path}.${key}` : key;
    if (sub === undefined) {
      if (strict) unknown.push(at);
      delete value[key];
    } else walk(value[key], sub, at, strict, unknown);
  }
}
