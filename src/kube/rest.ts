/**
 * The few Kubernetes REST calls the operator makes (get, list, create, replace, merge and JSON patch), over client-node's
 * KubeConfig for authentication and TLS, on node:http(s) with keep-alive connections, without client-node's generated
 * API classes.
 *
 * Why not CustomObjectsApi and friends: their ObjectSerializer references every model of every API group, so a bundle
 * keeps all of them (some 400 KiB of source and the classes V8 builds from it) for the handful of calls made here.
 * Why not undici's fetch (which client-node's own HTTP library uses, and its Watch still does): per call, fetch builds
 * WHATWG Request, Headers and Response objects and reads the body through a web stream, which was most of the Kubernetes
 * client's CPU in the benchmark's profile (docs/benchmarks/README.md); node:http hands over the body's chunks.
 * What stays client-node's: KubeConfig (kubeconfig loading, in-cluster config, tokens, exec and OIDC plugins, client
 * certificates, TLS options, proxies) applied per request through `applyToHTTPSOptions`, the call client-node makes for
 * its own node:https requests (exec, attach, port-forward); http-agents.ts keeps one keep-alive agent per TLS identity.
 * Errors keep client-node's ApiException shape (`code`: the HTTP status, `body`: the response text), which errors.ts
 * classifies.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { urlToHttpOptions } from "node:url";
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { agentFor } from "./http-agents.js";

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

type Options = RequestOptions & { headers: Record<string, string | number> };

/** The cluster's server URL as node:http's request options take it. */
interface Server extends Pick<RequestOptions, "protocol" | "hostname" | "port" | "auth"> {
  url: string;
  basePath: string;
}

function parseServer(url: string): Server {
  const parsed = new URL(url);
  // node:http's own conversion: an IPv6 host without its brackets, the user info decoded.
  const { protocol, hostname, port, auth } = urlToHttpOptions(parsed);
  return { url, protocol, hostname, port, auth, basePath: parsed.pathname.replace(/\/+$/, "") };
}

export class KubeApi {
  /**
   * The last server URL, parsed: requests give node:http its parts and the path rather than a URL string, which
   * node:http parses into a URL, then an options object, copied again with ours (per request; issue #17).
   */
  private server?: Server;

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

  /**
   * A watch (`?watch=true`): each line the API server sends is one event, handed to `onEvent` as it arrives; `onDone`
   * once the stream ends, with no error when the server closed it whole (its `timeoutSeconds`), else with the error (an
   * HTTP status other than 200 as a KubeApiError with the Status body, a line that is not JSON, a cut connection).
   * After `abort()` nothing more is called. Neither waits for the handlers: the watcher orders and awaits them itself.
   */
  async watch(
    path: string,
    query: Query,
    onEvent: (type: string, object: unknown) => void,
    onDone: (err?: unknown) => void,
    idleTimeoutMs = REQUEST_IDLE_TIMEOUT_MS,
  ): Promise<{ abort(): void }> {
    const { secure, options } = await this.prepare("GET", path, { ...query, watch: true }, idleTimeoutMs);
    let ended = false;
    const end = (err?: unknown) => {
      if (ended) return;
      ended = true;
      req.destroy();
      onDone(err);
    };
    const req = (secure ? httpsRequest : httpRequest)(options, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => end(new KubeApiError(res.statusCode ?? 0, Buffer.concat(chunks).toString(), "GET", path)));
        return;
      }
      res.setEncoding("utf8"); // a character split between two chunks is kept whole
      let pending = "";
      res.on("data", (chunk: string) => {
        pending += chunk;
        for (let nl = pending.indexOf("\n"); nl >= 0 && !ended; nl = pending.indexOf("\n")) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (!line.trim()) continue;
          let event: { type?: unknown; object?: unknown };
          try {
            event = JSON.parse(line);
          } catch {
            return end(new Error(`watch ${path}: the API server sent a line that is not JSON`));
          }
          onEvent(String(event.type), event.object);
        }
      });
      res.on("close", () =>
        end(res.complete && !pending.trim() ? undefined : new Error(`watch ${path}: the connection closed mid-event`)),
      );
    });
    req.on("error", end);
    req.on("timeout", () => req.destroy(new Error(`watch ${path}: no data for ${idleTimeoutMs} ms`)));
    req.end();
    return {
      abort() {
        ended = true;
        req.destroy();
      },
    };
  }

  private async request(
    method: "GET" | "POST" | "PUT" | "PATCH",
    path: string,
    query: Query | undefined,
    body?: unknown,
    contentType?: string,
  ): Promise<unknown> {
    const payload = body !== undefined ? JSON.stringify(body) : undefined;
    for (let attempt = 0; ; attempt++) {
      const { secure, options } = await this.prepare(method, path, query, REQUEST_IDLE_TIMEOUT_MS);
      if (payload !== undefined) {
        options.headers["Content-Type"] = contentType ?? "application/json";
        options.headers["Content-Length"] = Buffer.byteLength(payload);
      }
      try {
        const { status, text } = await send(secure, options, payload);
        if (status < 200 || status > 299) throw new KubeApiError(status, text, method, path);
        return text ? JSON.parse(text) : undefined;
      } catch (err) {
        // A kept-alive connection the server closed just as this request went out (Node's documented race): once more
        // on a new one, for the calls that are safe to repeat (a repeated create could answer 409 for our own object).
        if (attempt === 0 && method !== "POST" && contentType !== JSON_PATCH && (err as StaleSocket).staleSocket)
          continue;
        throw err;
      }
    }
  }

  /** The request options: the server, authentication and TLS from the KubeConfig (read again each time), a pooled agent. */
  private async prepare(
    method: string,
    path: string,
    query: Query | undefined,
    idleTimeoutMs: number,
  ): Promise<{ secure: boolean; options: Options }> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("no current cluster in the kubeconfig");
    if (this.server?.url !== cluster.server) this.server = parseServer(cluster.server);
    const { protocol, hostname, port, auth, basePath } = this.server;
    path = basePath + path;
    if (query) {
      let sep = path.includes("?") ? "&" : "?";
      for (const key in query) {
        const value = query[key];
        if (value === undefined || value === "") continue;
        path += `${sep}${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
        sep = "&";
      }
    }
    const options: Options = {
      protocol,
      hostname,
      port,
      path,
      method,
      headers: { Accept: "application/json" },
      timeout: idleTimeoutMs,
    };
    if (auth) options.auth = auth;
    await this.kubeConfig.applyToHTTPSOptions(options);
    const secure = protocol === "https:";
    options.agent = agentFor(this.kubeConfig, secure, options);
    return { secure, options };
  }
}

/** Like undici's headers and body timeouts: a request whose connection says nothing this long fails. */
const REQUEST_IDLE_TIMEOUT_MS = 300_000;

interface StaleSocket extends Error {
  staleSocket?: boolean;
}

function send(
  secure: boolean,
  options: RequestOptions,
  payload: string | undefined,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          text: chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
      res.on("aborted", () => reject(new Error(`${options.method} ${options.path}: response aborted`)));
    });
    req.on("error", (err: StaleSocket) => {
      if (req.reusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET") err.staleSocket = true;
      reject(err);
    });
    req.on("timeout", () =>
      req.destroy(new Error(`${options.method} ${options.path}: no data for ${REQUEST_IDLE_TIMEOUT_MS} ms`)),
    );
    req.end(payload);
  });
}
