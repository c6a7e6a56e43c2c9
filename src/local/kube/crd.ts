/** CustomResourceDefinition → the resources it serves (one per served version), and the CRD's status. Pure. */
import type { FieldError } from "./errors.js";
import { evaluateJsonPath, parseJsonPath } from "./jsonpath.js";
import { isObject, type JsonObject, type KubeObject, timestamp } from "./meta.js";
import { ALL_VERBS, age, ageColumn, type ResourceDef, type TableColumn } from "./resources.js";
import { type SchemaNode, StructuralSchema } from "./validation.js";

interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
  subresources?: { status?: unknown; scale?: unknown };
  additionalPrinterColumns?: Array<{
    name: string;
    type: string;
    jsonPath: string;
    format?: string;
    description?: string;
    priority?: number;
  }>;
  selectableFields?: Array<{ jsonPath: string }>;
}

interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: "Namespaced" | "Cluster";
  versions: CrdVersion[];
}

/** Compiling a large schema takes a while: validation and registration of one CRD share the result. */
const compiled = new WeakMap<SchemaNode, StructuralSchema>();
function compileSchema(schema: SchemaNode): StructuralSchema {
  let s = compiled.get(schema);
  if (!s) {
    s = new StructuralSchema(schema);
    compiled.set(schema, s);
  }
  return s;
}

const required = (field: string): FieldError => ({ field, reason: "FieldValueRequired", message: "Required value" });

/** The checks of the real server that matter here; returns the errors (empty when the CRD is acceptable). */
export function validateCrd(crd: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec as Partial<CrdSpec> | undefined;
  if (!isObject(spec)) return [required("spec")];
  if (!spec.group) errs.push(required("spec.group"));
  if (!isObject(spec.names)) errs.push(required("spec.names"));
  else {
    if (!spec.names.plural) errs.push(required("spec.names.plural"));
    if (!spec.names.kind) errs.push(required("spec.names.kind"));
  }
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
    errs.push({
      field: "spec.scope",
      reason: "FieldValueNotSupported",
      message: `Unsupported value: ${JSON.stringify(spec.scope ?? "")}: supported values: "Cluster", "Namespaced"`,
    });
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) errs.push(required("spec.versions"));
  else if (spec.versions.filter((v) => v.storage).length !== 1)
    errs.push({
      field: "spec.versions",
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(spec.versions.map((v) => v.name))}: must have exactly one version marked as storage version`,
    });
  if (spec.group && spec.names?.plural && crd.metadata.name !== `${spec.names.plural}.${spec.group}`)
    errs.push({
      field: "metadata.name",
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group`,
    });
  if (errs.length === 0) {
    (spec.versions ?? []).forEach((v, i) => {
      const schema = v.schema?.openAPIV3Schema;
      if (!schema) return;
      try {
        compileSchema(schema);
      } catch (err) {
        errs.push({
          field: `spec.versions[${i}].schema.openAPIV3Schema`,
          reason: "FieldValueInvalid",
          message: err instanceof Error ? err.message : String(err),
        });
      }
    });
  }
  return errs;
}

function printerColumn(c: NonNullable<CrdVersion["additionalPrinterColumns"]>[number]): TableColumn {
  const path = parseJsonPath(c.jsonPath);
  return {
    name: c.name,
    type: c.type,
    format: c.format ?? "",
    description: c.description ?? "",
    priority: c.priority ?? 0,
    cell(obj, now) {
      const values = evaluateJsonPath(path, obj);
      if (values.length === 0) return null;
      const v = values[0];
      switch (c.type) {
        case "string":
          return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
        case "date":
          return typeof v === "string" ? age(v, now) : null;
        case "integer":
          return typeof v === "number" && Number.isInteger(v) ? v : null;
        case "number":
          return typeof v === "number" ? v : null;
        case "boolean":
          return typeof v === "boolean" ? v : null;
        default:
          return typeof v === "object" ? JSON.stringify(v) : String(v);
      }
    },
  };
}

/** The resources an (accepted) CRD serves: one per served version, all sharing the storage bucket. */
export function resourcesFromCrd(crd: KubeObject): ResourceDef[] {
  const spec = crd.spec as CrdSpec;
  const { group, names } = spec;
  const storageKey = `${group}/${names.plural}`;
  const storageVersion = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name ?? "v1";
  return spec.versions
    .filter((v) => v.served)
    .map((v): ResourceDef => {
      const apiVersion = `${group}/${v.name}`;
      const storedApiVersion = `${group}/${storageVersion}`;
      const schema = v.schema?.openAPIV3Schema;
      const columns = v.additionalPrinterColumns?.length
        ? v.additionalPrinterColumns.map(printerColumn)
        : [{ ...ageColumn, type: "date" }];
      return {
        group,
        version: v.name,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        namespaced: spec.scope === "Namespaced",
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        verbs: ALL_VERBS,
        statusSubresource: v.subresources?.status !== undefined && v.subresources.status !== null,
        storageKey,
        tracksGeneration: true,
        allowUnconditionalUpdate: false,
        nameRule: "subdomain",
        fieldSelectors: new Set([
          "metadata.name",
          "metadata.namespace",
          ...(v.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, "")),
        ]),
        columns,
        schema: schema ? compileSchema(schema) : undefined,
        custom: true,
        // Conversion strategy None: versions differ only in apiVersion.
        toView: (o) => (o.apiVersion === apiVersion ? o : { ...o, apiVersion }),
        fromView: (o) => (o.apiVersion === storedApiVersion ? o : { ...o, apiVersion: storedApiVersion }),
      };
    });
}

/** The status the real server reports for an accepted CRD (clients wait for `Established`). */
export function crdStatus(crd: KubeObject): JsonObject {
  const spec = crd.spec as CrdSpec;
  const now = timestamp();
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: "True",
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    acceptedNames: {
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
      ...(spec.names.categories ? { categories: spec.names.categories } : {}),
    },
    conditions: [
      condition("NamesAccepted", "NoConflicts", "no conflicts found"),
      condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ],
    storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
  };
}
