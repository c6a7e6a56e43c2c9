/** CustomResourceDefinition → the resources it serves (one per served version), and the CRD's status. Pure. */

import { validateCustomResourceDefinition } from "./crd-validation.js";
import type { FieldError } from "./errors.js";
import { evaluateJsonPath, parseJsonPath } from "./jsonpath.js";
import { isObject, type JsonObject, type KubeObject, timestamp } from "./meta.js";
import { ALL_VERBS, age, ageColumn, type ResourceDef, type TableColumn } from "./resources.js";
import { type SchemaNode, structuralSchemaFor } from "./validation.js";

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

/** The checks of the real server's CRD admission (`crd-validation.ts`); empty when the CRD is acceptable. */
export function validateCrd(crd: KubeObject, old?: KubeObject): FieldError[] {
  const conditions = old && isObject(old.status) && Array.isArray(old.status.conditions) ? old.status.conditions : [];
  const oldEstablished = conditions.some((c) => isObject(c) && c.type === "Established" && c.status === "True");
  return validateCustomResourceDefinition(crd, { old, oldEstablished });
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
        schema: schema ? structuralSchemaFor(schema) : undefined,
        custom: true,
        // Conversion strategy None: versions differ only in apiVersion.
        toView: (o) => (o.apiVersion === apiVersion ? o : { ...o, apiVersion }),
        fromView: (o) => (o.apiVersion === storedApiVersion ? o : { ...o, apiVersion: storedApiVersion }),
      };
    });
}

/**
 * The status the real server reports for an accepted CRD (clients wait for `Established`). Stored versions
 * accumulate: a version stays listed once it was the storage version, until a storage migration removes it.
 */
export function crdStatus(crd: KubeObject, old?: KubeObject): JsonObject {
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
    storedVersions: [
      ...new Set([
        ...(old && isObject(old.status) && Array.isArray(old.status.storedVersions)
          ? (old.status.storedVersions as string[])
          : []),
        ...spec.versions.filter((v) => v.storage).map((v) => v.name),
      ]),
    ],
  };
}
