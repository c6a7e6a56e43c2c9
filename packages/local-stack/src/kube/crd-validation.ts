/**
 * CustomResourceDefinition admission, after apiextensions-apiserver `pkg/apis/apiextensions/validation/validation.go`
 * (`ValidateCustomResourceDefinition`, `ValidateCustomResourceDefinitionUpdate`, `validateCustomResourceDefinitionSpec`,
 * `validateCustomResourceDefinitionValidation`). A v1 CRD is validated in the internal form the real server converts
 * it to (`pkg/apis/apiextensions/v1/conversion.go`): when every version has the same schema, subresources, printer
 * columns or selectable fields, they move to the top level, so errors name `spec.validation.openAPIV3Schema...`
 * rather than `spec.versions[0].schema.openAPIV3Schema...`, as the real server prints them. Pure.
 */

import { child, forbidden, invalid, key, notSupported, required } from "../../../../src/api/schema/field-errors.js";
import type { SchemaNode } from "../../../../src/api/schema/schema-node.js";
import { structuralSchemaFor } from "../../../../src/api/schema/structural-schema.js";
import { rootCelContext, totalCostErrors } from "./crd-cel.js";
import { validateDefaults } from "./crd-defaults.js";
import { ROOT_WALK_STATE, validateOpenAPISchema } from "./crd-openapi.js";
import {
  dns1035,
  dns1123Subdomain,
  validateApproval,
  validateColumn,
  validateConversion,
  validateDeprecationWarning,
  validateNames,
  validateSelectableFields,
  validateSubresources,
} from "./crd-spec.js";
import { newStructuralError, validateStructural } from "./crd-structural.js";
import type { FieldError } from "./errors.js";
import { deepEqual, isObject, type KubeObject } from "./meta.js";

type Obj = Record<string, unknown>;

const ROOT_FIELDS_WITH_STATUS: Array<[string, string]> = [
  ["description", "Description"],
  ["type", "Type"],
  ["format", "Format"],
  ["title", "Title"],
  ["maximum", "Maximum"],
  ["exclusiveMaximum", "ExclusiveMaximum"],
  ["minimum", "Minimum"],
  ["exclusiveMinimum", "ExclusiveMinimum"],
  ["maxLength", "MaxLength"],
  ["minLength", "MinLength"],
  ["pattern", "Pattern"],
  ["maxItems", "MaxItems"],
  ["minItems", "MinItems"],
  ["uniqueItems", "UniqueItems"],
  ["multipleOf", "MultipleOf"],
  ["required", "Required"],
  ["items", "Items"],
  ["properties", "Properties"],
  ["externalDocs", "ExternalDocs"],
  ["example", "Example"],
  ["x-kubernetes-preserve-unknown-fields", "XPreserveUnknownFields"],
  ["x-kubernetes-validations", "XValidations"],
];
const ALLOWED_AT_ROOT = new Set(ROOT_FIELDS_WITH_STATUS.map(([k]) => k));
/** JSONSchemaProps' fields in the order of the Go struct, which the status-subresource check walks. */
const GO_FIELD_ORDER = [
  "id",
  "$schema",
  "$ref",
  "description",
  "type",
  "nullable",
  "format",
  "title",
  "default",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "maxLength",
  "minLength",
  "pattern",
  "maxItems",
  "minItems",
  "uniqueItems",
  "multipleOf",
  "enum",
  "maxProperties",
  "minProperties",
  "required",
  "items",
  "allOf",
  "oneOf",
  "anyOf",
  "not",
  "properties",
  "additionalProperties",
  "patternProperties",
  "dependencies",
  "additionalItems",
  "definitions",
  "externalDocs",
  "example",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-int-or-string",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-list-type",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
];

const str = (o: Obj, k: string): string => (typeof o[k] === "string" ? (o[k] as string) : "");
const objOf = (v: unknown): Obj => (isObject(v) ? v : {});
const listOrUndefined = (v: unknown): unknown[] | undefined => (Array.isArray(v) && v.length > 0 ? v : undefined);

/** The versions as the real server prints them in an "Invalid value" (its internal type has no JSON tags). */
const versionsValue = (versions: Obj[]): unknown =>
  versions.map((v) => ({ Name: str(v, "name"), Served: v.served === true, Storage: v.storage === true }));

/** The schema of one version: the per-version field, after the v1 conversion hoisted identical ones. */
const schemaOf = (v: Obj): SchemaNode | undefined => {
  const s = objOf(v.schema).openAPIV3Schema;
  return isObject(s) ? s : undefined;
};

/** specHasDefaults: a `default` in the schema or any sub-schema (SchemaHas). */
function hasDefault(s: unknown): boolean {
  if (!isObject(s)) return false;
  if (s.default !== undefined && s.default !== null) return true;
  const maps = ["properties", "patternProperties", "definitions", "dependencies"];
  const subs = [
    s.items,
    s.not,
    s.additionalProperties,
    s.additionalItems,
    ...["allOf", "anyOf", "oneOf"].map((k) => s[k]),
  ];
  return (
    maps.some((k) => isObject(s[k]) && Object.values(s[k]).some(hasDefault)) ||
    subs.some((x) => (Array.isArray(x) ? x.some(hasDefault) : hasDefault(x)))
  );
}

/** All versions carry the same value of `pick` (then the real server moves it to the top level). */
function identical(versions: Obj[], pick: (v: Obj) => unknown): boolean {
  const first = pick(versions[0] ?? {});
  return versions.every((v) => deepEqual(pick(v) ?? null, first ?? null));
}

export interface CrdValidationOptions {
  /** The stored CRD on update. */
  old?: KubeObject;
  /** The old CRD was Established: scope and kind may not change. */
  oldEstablished?: boolean;
}

/** Every error the real server reports for this CRD (create, or update when `old` is given). */
export function validateCustomResourceDefinition(crd: KubeObject, opts: CrdValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = objOf(crd.spec);
  const names = { ...objOf(spec.names) };
  // SetDefaults_CustomResourceDefinitionSpec
  if (!str(names, "singular")) names.singular = str(names, "kind").toLowerCase();
  if (!str(names, "listKind") && str(names, "kind")) names.listKind = `${str(names, "kind")}List`;
  const group = str(spec, "group");
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).map(objOf);

  if (!opts.old && group && str(names, "plural") && crd.metadata.name !== `${str(names, "plural")}.${group}`)
    errs.push(invalid("metadata.name", crd.metadata.name ?? "", 'must be spec.names.plural+"."+spec.group'));

  if (!group) errs.push(required("spec.group"));
  else if (dns1123Subdomain(group).length) errs.push(invalid("spec.group", group, dns1123Subdomain(group).join(",")));
  else if (group.split(".").length < 2)
    errs.push(invalid("spec.group", group, "should be a domain with at least one dot"));

  const scope = str(spec, "scope");
  if (!scope) errs.push(required("spec.scope"));
  else if (scope !== "Cluster" && scope !== "Namespaced")
    errs.push(notSupported("spec.scope", scope, ["Cluster", "Namespaced"]));

  const hoistSchema = versions.length > 0 && identical(versions, (v) => v.schema);
  const hoistSubresources = versions.length > 0 && identical(versions, (v) => v.subresources);
  const hoistColumns = versions.length > 0 && identical(versions, (v) => listOrUndefined(v.additionalPrinterColumns));
  const hoistSelectable = versions.length > 0 && identical(versions, (v) => listOrUndefined(v.selectableFields));
  const statusOf = (v: Obj) => isObject(objOf(v.subresources).status);
  const anyStatus = versions.some(statusOf);
  const oldVersions = (
    Array.isArray(objOf(opts.old?.spec).versions) ? (objOf(opts.old?.spec).versions as unknown[]) : []
  ).map(objOf);
  const unchanged = (name: string) => {
    if (!opts.old) return false;
    const before = oldVersions.find((v) => str(v, "name") === name);
    const after = versions.find((v) => str(v, "name") === name);
    return before !== undefined && after !== undefined && deepEqual(schemaOf(before), schemaOf(after));
  };

  for (const [i, v] of versions.entries())
    if (!schemaOf(v)) errs.push(required(`spec.versions[${i}].schema.openAPIV3Schema`));

  let storage = 0;
  const seen = new Set<string>();
  let uniqueNames = true;
  versions.forEach((v, i) => {
    const at = `spec.versions[${i}]`;
    const name = str(v, "name");
    if (v.storage === true) storage++;
    if (seen.has(name)) uniqueNames = false;
    seen.add(name);
    if (dns1035(name).length) errs.push(invalid(child(at, "name"), name, dns1035(name).join(",")));
    errs.push(...validateDeprecationWarning(v, at));
    const schema = schemaOf(v);
    if (!hoistSchema && schema) errs.push(...validateSchema(schema, statusOf(v), child(at, "schema"), unchanged(name)));
    if (!hoistSubresources && isObject(v.subresources))
      errs.push(...validateSubresources(v.subresources, child(at, "subresources")));
    if (!hoistColumns)
      listOrUndefined(v.additionalPrinterColumns)?.forEach((c, j) => {
        errs.push(...validateColumn(objOf(c), key(child(at, "additionalPrinterColumns"), j)));
      });
    const selectable = listOrUndefined(v.selectableFields);
    if (!hoistSelectable && selectable && schema)
      errs.push(...validateSelectableFields(selectable, schema, child(at, "selectableFields")));
  });

  if (!uniqueNames) errs.push(invalid("spec.versions", versionsValue(versions), "must contain unique version names"));
  if (storage !== 1)
    errs.push(
      invalid("spec.versions", versionsValue(versions), "must have exactly one version marked as storage version"),
    );
  const first = str(versions[0] ?? {}, "name");
  if (first && dns1035(first).length) errs.push(invalid("spec.version", first, dns1035(first).join(",")));

  for (const n of ["plural", "singular", "kind", "listKind"])
    if (!str(names, n)) errs.push(required(`spec.names.${n}`));
  errs.push(...validateNames(names, "spec.names"));

  const top = versions[0] ?? {};
  const topSchema = schemaOf(top);
  if (hoistSchema && topSchema) errs.push(...validateSchema(topSchema, anyStatus, "spec.validation", unchanged(first)));
  if (hoistSubresources && isObject(top.subresources))
    errs.push(...validateSubresources(top.subresources, "spec.subresources"));
  if (hoistColumns)
    listOrUndefined(top.additionalPrinterColumns)?.forEach((c, j) => {
      errs.push(...validateColumn(objOf(c), `spec.additionalPrinterColumns[${j}]`));
    });
  const topSelectable = listOrUndefined(top.selectableFields);
  if (hoistSelectable && topSelectable && topSchema)
    errs.push(...validateSelectableFields(topSelectable, topSchema, "spec.selectableFields"));

  errs.push(...validateConversion(spec.conversion, "spec.conversion"));
  if (spec.preserveUnknownFields === true && versions.some((v) => hasDefault(schemaOf(v))))
    errs.push(invalid("spec.preserveUnknownFields", true, "must be false in order to use defaults in the schema"));
  if (spec.preserveUnknownFields === true)
    errs.push(
      invalid(
        "spec.preserveUnknownFields",
        true,
        "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
      ),
    );
  if (storage === 0) errs.push(invalid("status.storedVersions", [], "must have at least one stored version"));
  errs.push(...validateApproval(group, crd.metadata.annotations));
  if (opts.old)
    errs.push(...validateUpdate(spec, objOf(opts.old.spec), opts.oldEstablished === true, versions, opts.old));
  return errs;
}

function validateUpdate(spec: Obj, old: Obj, established: boolean, versions: Obj[], oldCrd: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const immutable = (path: string, a: unknown, b: unknown) => {
    if (!deepEqual(a, b)) errs.push(invalid(path, a ?? "", "field is immutable"));
  };
  if (established) {
    immutable("spec.scope", spec.scope, old.scope);
    immutable("spec.names.kind", objOf(spec.names).kind, objOf(old.names).kind);
  }
  immutable("spec.group", spec.group, old.group);
  immutable("spec.names.plural", objOf(spec.names).plural, objOf(old.names).plural);
  const stored = objOf(oldCrd.status).storedVersions;
  if (Array.isArray(stored))
    stored.forEach((v, i) => {
      if (!versions.some((x) => x.name === v))
        errs.push(
          invalid(
            `status.storedVersions[${i}]`,
            v,
            `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
          ),
        );
    });
  return errs;
}

/** validateCustomResourceDefinitionValidation for one schema at `path` (`spec.validation` or a version's schema). */
function validateSchema(schema: SchemaNode, statusEnabled: boolean, path: string, suppressCost: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const at = child(path, "openAPIV3Schema");
  if (statusEnabled) {
    for (const k of GO_FIELD_ORDER) {
      const v = schema[k];
      if (v === undefined || v === null || v === "" || v === false) continue;
      if (k === "type") {
        if (v !== "object") {
          errs.push(
            invalid(
              `${at}.type`,
              v,
              'only "object" is allowed as the type at the root of the schema if the status subresource is enabled',
            ),
          );
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT.has(k)) {
        errs.push(
          invalid(
            at,
            schema,
            `only [${ROOT_FIELDS_WITH_STATUS.map(([, g]) => g).join(" ")}] fields are allowed at the root of the schema if the status subresource is enabled`,
          ),
        );
        break;
      }
    }
  }
  if (schema.nullable === true) errs.push(forbidden(`${at}.nullable`, "nullable cannot be true at the root"));
  const initError = newStructuralError(schema);
  let cel: ReturnType<typeof rootCelContext> | undefined;
  if (initError === undefined) {
    const structural = validateStructural(at, schema);
    if (structural.length) errs.push(...structural);
    else {
      const defaults = validateDefaults(at, schema);
      if (defaults.length) errs.push(...defaults);
      else cel = rootCelContext(schema, suppressCost);
    }
  }
  const walked = validateOpenAPISchema(schema, at, ROOT_WALK_STATE, true, cel);
  errs.push(...walked.schema, ...walked.cel);
  if (errs.length === 0 && initError !== undefined) errs.push(invalid(at, "", initError));
  if (cel) errs.push(...totalCostErrors(cel.total, at));
  if (errs.length === 0) {
    try {
      structuralSchemaFor(schema);
    } catch (err) {
      errs.push(invalid(path, "", `error building validator: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
  return errs;
}
