/**
 * Server-side printing: `meta.k8s.io/v1` Table responses, which `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns are Name plus the resource's columns (a CRD's
 * additionalPrinterColumns). Pure.
 */
import type { KubeObject } from "./meta.js";
import type { ResourceDef } from "./resources.js";

export type IncludeObject = "None" | "Metadata" | "Object";

const NAME_COLUMN = {
  name: "Name",
  type: "string",
  format: "name",
  description:
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  priority: 0,
};

/** Whether an Accept header asks for a Table (kubectl get) or partial object metadata. */
export function wantedRepresentation(accept: string | undefined): "Table" | "PartialObjectMetadata" | "Full" {
  if (!accept) return "Full";
  for (const part of accept.split(",")) {
    const params = part.split(";").map((p) => p.trim());
    const as = params.find((p) => p.startsWith("as="))?.slice(3);
    const g = params.find((p) => p.startsWith("g="))?.slice(2);
    if (g && g !== "meta.k8s.io") continue;
    if (as === "Table") return "Table";
    if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return "PartialObjectMetadata";
    if (!as && (params[0] === "application/json" || params[0] === "*/*")) return "Full";
  }
  return "Full";
}

export const partialObjectMetadata = (obj: KubeObject) => ({
  kind: "PartialObjectMetadata",
  apiVersion: "meta.k8s.io/v1",
  metadata: obj.metadata,
});

export function tableColumns(def: ResourceDef) {
  return [
    NAME_COLUMN,
    ...def.columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
  ];
}

export function tableRow(def: ResourceDef, obj: KubeObject, include: IncludeObject, now: number) {
  const cells: unknown[] = [obj.metadata.name ?? ""];
  for (const c of def.columns) cells.push(c.cell(obj, now));
  const row: { cells: unknown[]; object?: unknown } = { cells };
  if (include === "Object") row.object = obj;
  else if (include === "Metadata") row.object = partialObjectMetadata(obj);
  return row;
}

export function toTable(
  def: ResourceDef,
  objects: KubeObject[],
  include: IncludeObject,
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  withColumns = true,
) {
  const now = Date.now();
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: withColumns ? tableColumns(def) : null,
    rows: objects.map((o) => tableRow(def, o, include, now)),
  };
}

export function parseIncludeObject(v: string | null): IncludeObject {
  return v === "None" || v === "Object" ? v : "Metadata";
}
