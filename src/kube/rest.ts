/**
 * The few Kubernetes REST calls the operator makes (get, list, create, replace, merge and JSON patch), over client-node's
 * KubeConfig for the connection and authentication, without client-node's generated API classes.
 *
 * Why not CustomObjectsApi and friends: their ObjectSerializer references every model of every API group, so a bundle
 * keeps all of them (some 400 KiB of source and the classes V8 builds from it) for the handful of calls made here.
 * What stays client-node's: KubeConfig (kubeconfig loading, in-cluster config, tokens, exec and OIDC plugins, client
 * certificates, TLS) applied per request through `applySecurityAuthentication`, exactly as the generated APIs do it
 * (so PooledKubeConfig's pooled dispatcher applies here too), and undici's fetch, which client-node's own HTTP library
 * uses. Errors keep client-node's ApiException shape (`code`: the HTTP status, `body`: the response text), which
 * errors.ts classifies.
 */
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { HttpMethod, RequestContext } from "@kubernetes/client-node/dist/gen/http/http.js";
import { fetch } from "undici";

/** RFC 7386 JSON merge patch (what `kubectl patch --type=merge` sends). */
export const MERGE_PATCH = "application/merge-patch+json";
/** RFC 6902 JSON patch (ordered ops, `test` included). */
export const JSON_PATCH = "application/json-patch+json";

/** A failed call: the HTTP status and the response body (a metav1.Status as text, when the API server sent one). */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    readonly code: number,
    readonly body: string,
    method: string,
    path: string,
  ) {
    super(`${method} ${path}: HTTP ${code}`);
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export class KubeApi {
  constructor(readonly kubeConfig: KubeConfig) {}

  get<T = unknown>(path: string, query?: Query): Promise<T> {
    return this.request("GET", path, query) as Promise<T>;
  }

  create<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request("POST", path, undefined, body, "application/json") as Promise<T>;
  }

  /** PUT: a whole object, whose metadata.resourceVersion makes a concurrent write a 409. */
  replace<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request("PUT", path, undefined, body, "application/json") as Promise<T>;
  }

  patch<T = unknown>(path: string, body: unknown, contentType: typeof MERGE_PATCH | typeof JSON_PATCH): Promise<T> {
    return this.request("PATCH", path, undefined, body, contentType) as Promise<T>;
  }

  private async request(
    method: "GET" | "POST" | "PUT" | "PATCH",
    path: string,
    query: Query | undefined,
    body?: unknown,
    contentType?: string,
  ): Promise<unknown> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("no current cluster in the kubeconfig");
    const url = new URL(cluster.server.replace(/\/+$/, "") + path);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
    const ctx = new RequestContext(url.toString(), HttpMethod[method]);
    ctx.setHeaderParam("Accept", "application/json");
    if (contentType) ctx.setHeaderParam("Content-Type", contentType);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const response = await fetch(url, {
      method,
      headers: ctx.getHeaders(),
      dispatcher: ctx.getDispatcher(),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status < 200 || response.status > 299) throw new KubeApiError(response.status, text, method, path);
    return text ? JSON.parse(text) : undefined;
  }
}
