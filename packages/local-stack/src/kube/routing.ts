/** URL paths → the served resource, namespace, name and subresource a request names, and its RBAC verb. */
import { KubeError } from "./errors.js";
import { goBool } from "./query-decoding.js";
import type { Registry } from "./registry.js";
import type { ResourceDef } from "./resources.js";

export interface ResourceRequest {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** `/watch/` legacy path prefix. */
  legacyWatch: boolean;
}

export const notFoundPath = () =>
  new KubeError(404, "NotFound", "the server could not find the requested resource", {});

/** Maps /api/v1/... and /apis/<g>/<v>/... paths onto a served resource, or undefined for non-resource paths. */
export function resolveResource(registry: Registry, segments: string[]): ResourceRequest | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 3) {
    group = "";
    version = segments[1] ?? "";
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments.length >= 4) {
    group = segments[1] ?? "";
    version = segments[2] ?? "";
    rest = segments.slice(3);
  } else return undefined;
  let legacyWatch = false;
  if (rest[0] === "watch") {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  const lookup = (plural: string | undefined) => (plural ? registry.lookup(group, version, plural) : undefined);
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const inNamespace = lookup(rest[2]);
    if (inNamespace?.namespaced) {
      if (rest.length > 5) throw notFoundPath();
      return { def: inNamespace, namespace: rest[1], name: rest[3], subresource: rest[4], legacyWatch };
    }
  }
  const def = lookup(rest[0]);
  if (!def) {
    if (rest.length > 0 && registry.hasGroupVersion(group, version)) throw notFoundPath();
    if (rest.length > 0) throw notFoundPath();
    return undefined;
  }
  if (rest.length > 3) throw notFoundPath();
  if (def.namespaced && rest.length > 1) throw notFoundPath();
  return { def, name: rest[1], subresource: rest[2], legacyWatch };
}

export function verbOf(method: string, r: ResourceRequest, q: URLSearchParams): string {
  const collection = r.name === undefined;
  switch (method) {
    case "GET": {
      // apiserver pkg/endpoints/request/requestinfo.go NewRequestInfo: only a collection GET becomes a watch by query,
      // with runtime.Convert_Slice_string_To_bool's reading ("0" and "false" are false, anything else true).
      const watchParam = q.getAll("watch")[0];
      const watch = r.legacyWatch || (collection && watchParam !== undefined && goBool(watchParam));
      if (watch && r.subresource === undefined) return "watch";
      return collection ? "list" : "get";
    }
    case "POST":
      return collection ? "create" : "post-item";
    case "PUT":
      return collection ? "put-collection" : "update";
    case "PATCH":
      return collection ? "patch-collection" : "patch";
    case "DELETE":
      return collection ? "deletecollection" : "delete";
    default:
      return method.toLowerCase();
  }
}
