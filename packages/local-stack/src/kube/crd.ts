/** CustomResourceDefinition → the resources it serves (one per served version), and the CRD's status. Pure. */

import { type SchemaNode, structuralSchemaFor } from "../../../../src/api/schema/structural-schema.js";
import { validateCustomResourceDefinition } from "./crd-validation.js";
import type { FieldError } from "./errors.js";
import { evaluateJsonPath, parseJsonPath } from "./jsonpath.js";
import { isObject, type JsonObject, type KubeObject, timestamp } from "./meta.js";
import { ALL_VERBS, age, ageColumn, type ResourceDef, type TableColumn } from "./resources.js";

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
  const { group } = spec;
  // The real server serves the names it granted (status.acceptedNames), not the requested ones.
  const accepted =
    isObject(crd.status) && isObject(crd.status.acceptedNames) ? (crd.status.acceptedNames as Partial<CrdNames>) : {};
  const names: CrdNames = { ...spec.names, ...accepted };
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

/** The names the CRDs of one group have been granted (their status.acceptedNames), which a new CRD may not take. */
export interface NamesInUse {
  resources: Set<string>;
  kinds: Set<string>;
}

export function namesInUse(crds: KubeObject[], group: string): NamesInUse {
  const inUse: NamesInUse = { resources: new Set(), kinds: new Set() };
  for (const c of crds) {
    if ((c.spec as Partial<CrdSpec> | undefined)?.group !== group) continue;
    const a = isObject(c.status) && isObject(c.status.acceptedNames) ? c.status.acceptedNames : {};
    for (const k of ["plural", "singular"]) if (typeof a[k] === "string") inUse.resources.add(a[k]);
    if (Array.isArray(a.shortNames)) for (const n of a.shortNames) inUse.resources.add(String(n));
    for (const k of ["kind", "listKind"]) if (typeof a[k] === "string") inUse.kinds.add(a[k]);
  }
  return inUse;
}

/**
 * The status the real server's controllers give a CRD, after apiextensions-apiserver
 * `pkg/controller/status/naming_controller.go` (`calculateNamesAndConditions`): each requested name is accepted
 * unless another CRD of the group holds it; with a conflict NamesAccepted is False and the CRD is not Established
 * (nothing is served), and a CRD once Established stays so. Stored versions accumulate: a version stays listed once it
 * was the storage version, until a storage migration removes it.
 */
export function crdStatus(
  crd: KubeObject,
  old?: KubeObject,
  inUse: NamesInUse = { resources: new Set(), kinds: new Set() },
): JsonObject {
  const spec = crd.spec as CrdSpec;
  const now = timestamp();
  const oldStatus = old && isObject(old.status) ? old.status : {};
  const accepted = (isObject(oldStatus.acceptedNames) ? oldStatus.acceptedNames : {}) as Record<string, unknown>;
  const requested: Record<string, unknown> = {
    ...spec.names,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    listKind: spec.names.listKind ?? `${spec.names.kind}List`,
  };
  const names: Record<string, unknown> = { ...accepted };
  let conflict: { reason: string; message: string } | undefined;
  const fresh = (field: string, used: Set<string>, reason: string) => {
    const want = requested[field];
    if (want === undefined) return;
    if (want === accepted[field] || !used.has(String(want))) names[field] = want;
    else conflict = { reason, message: `${JSON.stringify(want)} is already in use` };
  };
  fresh("plural", inUse.resources, "PluralConflict");
  fresh("singular", inUse.resources, "SingularConflict");
  const wantShort = (requested.shortNames as string[] | undefined) ?? [];
  const haveShort = new Set((accepted.shortNames as string[] | undefined) ?? []);
  const taken = wantShort.filter((n) => !haveShort.has(n) && inUse.resources.has(n));
  if (taken.length)
    conflict = {
      reason: "ShortNamesConflict",
      message: taken.map((n) => `${JSON.stringify(n)} is already in use`).join(", "),
    };
  else if (wantShort.length || haveShort.size) names.shortNames = wantShort;
  fresh("kind", inUse.kinds, "KindConflict");
  fresh("listKind", inUse.kinds, "ListKindConflict");
  if (requested.categories) names.categories = requested.categories;
  const conditions = Array.isArray(oldStatus.conditions) ? (oldStatus.conditions as JsonObject[]) : [];
  const wasEstablished = conditions.some((c) => c.type === "Established" && c.status === "True");
  const condition = (type: string, status: string, reason: string, message: string): JsonObject => {
    const before = conditions.find((c) => c.type === type);
    const since = before && before.status === status ? before.lastTransitionTime : now;
    return { type, status, lastTransitionTime: since, reason, message };
  };
  const namesAccepted = conflict
    ? condition("NamesAccepted", "False", conflict.reason, conflict.message)
    : condition("NamesAccepted", "True", "NoConflicts", "no conflicts found");
  const established =
    wasEstablished || !conflict
      ? condition("Established", "True", "InitialNamesAccepted", "the initial names have been accepted")
      : condition("Established", "False", "NotAccepted", "not all names are accepted");
  return {
    acceptedNames: names,
    conditions: [namesAccepted, established],
    storedVersions: [
      ...new Set([
        ...(Array.isArray(oldStatus.storedVersions) ? (oldStatus.storedVersions as string[]) : []),
        ...spec.versions.filter((v) => v.storage).map((v) => v.name),
      ]),
    ],
  };
}

/** Established: the real server serves the CRD's resources (under its accepted names). */
export const isEstablished = (crd: KubeObject): boolean =>
  isObject(crd.status) &&
  Array.isArray(crd.status.conditions) &&
  crd.status.conditions.some((c) => isObject(c) && c.type === "Established" && c.status === "True");
