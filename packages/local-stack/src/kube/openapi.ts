/**
 * OpenAPI v3 documents (/openapi/v3 and one per group-version). kubectl reads them to learn that the server
 * supports server-side field validation (the `fieldValidation` parameter on PATCH), so `kubectl apply` sends
 * `fieldValidation=Strict` instead of validating client-side; `kubectl explain` reads the schemas. Pure.
 */
import { createHash } from "node:crypto";
import { isObject, type JsonObject } from "./meta.js";
import type { Registry } from "./registry.js";
import type { ResourceDef } from "./resources.js";

const gvPath = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

/** Definition names as the real server spells them (reversed group for custom resources). */
function definitionName(def: ResourceDef): string {
  if (!def.custom) {
    if (def.group === "apiextensions.k8s.io")
      return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${def.version}.${def.kind}`;
    const g = def.group ? def.group.replace(/\.k8s\.io$/, "") : "core";
    return `io.k8s.api.${g}.${def.version}.${def.kind}`;
  }
  return `${def.group.split(".").reverse().join(".")}.${def.version}.${def.kind}`;
}

const gvk = (def: ResourceDef) => ({ group: def.group, kind: def.kind, version: def.version });

const queryParam = (name: string, type: "string" | "boolean" | "integer", description: string) => ({
  name,
  in: "query",
  description,
  schema: { type, uniqueItems: true },
});

const WRITE_PARAMS = [
  queryParam("dryRun", "string", "When present, indicates that modifications should not be persisted."),
  queryParam(
    "fieldManager",
    "string",
    "fieldManager is a name associated with the actor or entity that is making these changes.",
  ),
  queryParam(
    "fieldValidation",
    "string",
    "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (default), Strict.",
  ),
];

const LIST_PARAMS = [
  "allowWatchBookmarks",
  "continue",
  "fieldSelector",
  "labelSelector",
  "limit",
  "resourceVersion",
  "resourceVersionMatch",
  "sendInitialEvents",
  "timeoutSeconds",
  "watch",
].map((n) =>
  queryParam(
    n,
    n === "limit" || n === "timeoutSeconds"
      ? "integer"
      : n.startsWith("allow") || n === "watch" || n === "sendInitialEvents"
        ? "boolean"
        : "string",
    n,
  ),
);

function operation(def: ResourceDef, action: string, extra: Partial<JsonObject> = {}, ref = definitionName(def)) {
  return {
    description: `${action} ${def.kind}`,
    operationId: `${action}${def.kind}`,
    responses: {
      "200": {
        description: "OK",
        content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
      },
      "401": { description: "Unauthorized" },
    },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk(def),
    ...extra,
  };
}

const jsonBody = (ref: string) => ({
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
  required: true,
});

const PATCH_BODY = {
  content: Object.fromEntries(
    ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"].map((t) => [
      t,
      { schema: { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" } },
    ]),
  ),
  required: true,
};

function itemOps(def: ResourceDef, action: string) {
  return {
    get: operation(def, `read${action}`, { "x-kubernetes-action": "get" }),
    put: operation(def, `replace${action}`, {
      "x-kubernetes-action": "put",
      parameters: WRITE_PARAMS,
      requestBody: jsonBody(definitionName(def)),
    }),
    patch: operation(def, `patch${action}`, {
      "x-kubernetes-action": "patch",
      parameters: [...WRITE_PARAMS, queryParam("force", "boolean", 'Force is going to "force" Apply requests.')],
      requestBody: PATCH_BODY,
    }),
  };
}

function pathsFor(def: ResourceDef): Record<string, unknown> {
  const base = `/${gvPath(def.group, def.version)}`;
  const nsBase = def.namespaced ? `${base}/namespaces/{namespace}/${def.plural}` : `${base}/${def.plural}`;
  const nameParam = { name: "name", in: "path", required: true, schema: { type: "string", uniqueItems: true } };
  const nsParam = { name: "namespace", in: "path", required: true, schema: { type: "string", uniqueItems: true } };
  const common = def.namespaced ? [nsParam] : [];
  const listRef = `${definitionName(def)}List`;
  const paths: Record<string, unknown> = {
    [nsBase]: {
      get: operation(def, "list", { parameters: LIST_PARAMS }, listRef),
      post: operation(def, "create", {
        "x-kubernetes-action": "post",
        parameters: WRITE_PARAMS,
        requestBody: jsonBody(definitionName(def)),
      }),
      delete: operation(def, "deletecollection", {}, "io.k8s.apimachinery.pkg.apis.meta.v1.Status"),
      parameters: common,
    },
    [`${nsBase}/{name}`]: {
      ...itemOps(def, ""),
      delete: operation(def, "delete", {}, "io.k8s.apimachinery.pkg.apis.meta.v1.Status"),
      parameters: [nameParam, ...common],
    },
  };
  if (def.statusSubresource)
    paths[`${nsBase}/{name}/status`] = { ...itemOps(def, "Status"), parameters: [nameParam, ...common] };
  if (def.namespaced)
    paths[`${base}/${def.plural}`] = { get: operation(def, "list", { parameters: LIST_PARAMS }, listRef) };
  return paths;
}

function schemaFor(def: ResourceDef): JsonObject {
  const root = def.schema?.root;
  const schema: JsonObject = isObject(root)
    ? { ...root }
    : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const properties = isObject(schema.properties) ? { ...schema.properties } : {};
  properties.metadata = { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" };
  schema.properties = properties;
  schema["x-kubernetes-group-version-kind"] = [gvk(def)];
  return schema;
}

const META_SCHEMAS: JsonObject = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.Patch": {
    type: "object",
    description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.Status": { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
    type: "object",
    description: "ObjectMeta is metadata that all persisted resources must have.",
    properties: {
      name: { type: "string" },
      generateName: { type: "string" },
      namespace: { type: "string" },
      uid: { type: "string" },
      resourceVersion: { type: "string" },
      generation: { type: "integer", format: "int64" },
      creationTimestamp: { type: "string", format: "date-time" },
      deletionTimestamp: { type: "string", format: "date-time" },
      deletionGracePeriodSeconds: { type: "integer", format: "int64" },
      labels: { type: "object", additionalProperties: { type: "string" } },
      annotations: { type: "object", additionalProperties: { type: "string" } },
      finalizers: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
      ownerReferences: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      managedFields: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    },
  },
};

export class OpenApi {
  private cache?: { generation: number; docs: Map<string, { json: string; hash: string }> };

  constructor(private readonly registry: Registry) {}

  private docs(): Map<string, { json: string; hash: string }> {
    if (this.cache?.generation === this.registry.generation) return this.cache.docs;
    const byGv = new Map<string, ResourceDef[]>();
    for (const def of this.registry.all()) {
      const key = gvPath(def.group, def.version);
      byGv.set(key, [...(byGv.get(key) ?? []), def]);
    }
    const docs = new Map<string, { json: string; hash: string }>();
    for (const [key, defs] of byGv) {
      const schemas: JsonObject = { ...META_SCHEMAS };
      const paths: Record<string, unknown> = {};
      for (const def of defs) {
        Object.assign(paths, pathsFor(def));
        schemas[definitionName(def)] = schemaFor(def);
        schemas[`${definitionName(def)}List`] = {
          type: "object",
          properties: { items: { type: "array", items: { $ref: `#/components/schemas/${definitionName(def)}` } } },
          "x-kubernetes-group-version-kind": [{ ...gvk(def), kind: def.listKind }],
        };
      }
      const json = JSON.stringify({
        openapi: "3.0.0",
        info: { title: "Kubernetes", version: "v1.35.0" },
        paths,
        components: { schemas },
      });
      docs.set(key, { json, hash: createHash("sha512").update(json).digest("hex").toUpperCase().slice(0, 128) });
    }
    this.cache = { generation: this.registry.generation, docs };
    return docs;
  }

  root() {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, doc] of this.docs()) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
    return { paths };
  }

  /** The document for `api/v1` or `apis/<group>/<version>`, or undefined. */
  document(key: string): string | undefined {
    return this.docs().get(key)?.json;
  }
}
