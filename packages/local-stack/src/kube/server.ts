/** The HTTP front of the local API server: routing, bodies, content negotiation, auth, faults and statistics. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery.js";
import { badRequest, KubeError, methodNotAllowed, unauthorized } from "./errors.js";
import { Faults } from "./faults.js";
import { isObject, type KubeObject } from "./meta.js";
import {
  type DeleteOptions,
  type FieldValidation,
  ObjectApi,
  unsupportedMediaType,
  type WriteOptions,
} from "./objects.js";
import { OpenApi } from "./openapi.js";
import { PATCH_TYPES } from "./patch.js";
import { decodeProtobufObject, PROTOBUF } from "./protobuf.js";
import { Registry } from "./registry.js";
import { apiVersionOf, builtinResources, EVENTS_KEY, type ResourceDef } from "./resources.js";
import { type FieldSelector, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { Store } from "./store.js";
import { parseIncludeObject, partialObjectMetadata, toTable, wantedRepresentation } from "./table.js";
import { objectJson, WatchHub } from "./watch.js";

export interface ServerOptions {
  watchCacheSize: number;
  bookmarkIntervalMs: number;
  /** Events expire this long after their last write (kube-apiserver `--event-ttl`). */
  eventTtlMs: number;
  /** Bearer token clients must send; undefined: no authentication. */
  token?: string;
  /** Bearer token -> user name, for the request log and denials (who did what); others are "anonymous". */
  users?: Record<string, string>;
}

/** One request as an authorizer sees it: the RBAC attributes (verb, API group, resource[/subresource]). */
export interface RequestRecord {
  /** From the bearer token (ServerOptions.users), else "anonymous". */
  user: string;
  verb: string;
  group: string;
  /** `plural` or `plural/subresource`. */
  resource: string;
  namespace?: string;
  name?: string;
}

export interface ServerStats {
  requests: number;
  writes: number;
  byVerb: Record<string, number>;
  /** Watch requests served since the last reset. */
  watches: number;
  /** Watch streams open right now. */
  openWatches: number;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const DEFAULT_WATCH_TIMEOUT_SECONDS = 1800;
const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);
/** GET: request counters (ServerStats); DELETE: the counters so far, then zeroes them. */
export const STATS_PATH = "/_local/stats";
const NO_AUTH_PATHS = new Set(["/healthz", "/livez", "/readyz"]);

interface ResourceRequest {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** `/watch/` legacy path prefix. */
  legacyWatch: boolean;
}

export class KubeServer {
  readonly store: Store;
  readonly registry = new Registry(builtinResources());
  readonly objects: ObjectApi;
  readonly watches: WatchHub;
  readonly faults = new Faults();
  private readonly openapi: OpenApi;
  private readonly http: Server;
  private counters = { requests: 0, writes: 0, watches: 0, byVerb: {} as Record<string, number> };
  private requests: RequestRecord[] = [];
  private readonly ttlTimer: NodeJS.Timeout;

  constructor(private readonly options: ServerOptions) {
    this.store = new Store(options.watchCacheSize);
    this.store.setTtl(EVENTS_KEY, options.eventTtlMs);
    // Expired Events go even while no request comes in, so watchers see their DELETED events.
    this.ttlTimer = setInterval(() => this.store.expire(), 1000);
    this.ttlTimer.unref();
    this.objects = new ObjectApi(this.store, this.registry);
    this.watches = new WatchHub(this.store, this.objects, options.bookmarkIntervalMs);
    this.openapi = new OpenApi(this.registry);
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.sendError(res, err));
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(port, host, () => {
        this.http.off("error", reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    clearInterval(this.ttlTimer);
    this.watches.endAll();
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  stats(): ServerStats {
    return { ...this.counters, byVerb: { ...this.counters.byVerb }, openWatches: this.watches.open.size };
  }

  resetStats(): void {
    this.counters = { requests: 0, writes: 0, watches: 0, byVerb: {} };
    this.requests = [];
  }

  /** Resource requests since the last reset (the last 100,000), with their RBAC attributes. */
  requestLog(): RequestRecord[] {
    return this.requests.slice();
  }

  /** Every Event goes now, as if the event TTL had run out. */
  expireEvents(): void {
    this.store.expire(Number.POSITIVE_INFINITY);
  }

  expireHistory(): void {
    this.store.expireHistory();
    this.objects.pager.expire(this.store.currentRv());
  }

  private count(verb: string): void {
    this.counters.requests++;
    this.counters.byVerb[verb] = (this.counters.byVerb[verb] ?? 0) + 1;
    if (WRITE_VERBS.has(verb)) this.counters.writes++;
    if (verb === "watch") this.counters.watches++;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = (req.method ?? "GET").toUpperCase();
    // Request counters for a server in another process (benchmarks); not an API request, so not counted.
    if (path === STATS_PATH) {
      await drain(req);
      const stats = this.stats();
      if (method === "DELETE") this.resetStats();
      return sendJson(res, 200, stats);
    }
    const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
    let resource: ResourceRequest | undefined;
    let routeError: unknown;
    try {
      resource = this.resolveResource(segments);
    } catch (err) {
      routeError = err;
    }
    const verb = resource
      ? verbOf(method, resource, url.searchParams)
      : method === "GET"
        ? "get"
        : method.toLowerCase();
    this.count(verb);
    // LOCAL_KUBE_TRACE=1 prints every request: the quickest way to see who writes what in a test.
    if (process.env.LOCAL_KUBE_TRACE) process.stderr.write(`local-kube ${verb} ${path}\n`);

    if (this.options.token && !NO_AUTH_PATHS.has(path)) {
      if (req.headers.authorization !== `Bearer ${this.options.token}`) throw unauthorized();
    }
    if (resource) {
      const { def, namespace, name } = resource;
      const rbacResource = resource.subresource ? `${def.plural}/${resource.subresource}` : def.plural;
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const user = (bearer !== undefined && this.options.users?.[bearer]) || "anonymous";
      this.requests.push({ user, verb, group: def.group, resource: rbacResource, namespace, name });
      if (this.requests.length > 100_000) this.requests.splice(0, this.requests.length - 100_000);
      const denied = this.faults.denied(user, verb, def.group, rbacResource, namespace, name);
      if (denied) {
        await drain(req);
        throw denied;
      }
    }
    const fault = this.faults.check(verb, method, path);
    if (fault) {
      await drain(req);
      if (fault.code === 429 || fault.code === 503) res.setHeader("Retry-After", "1");
      throw fault;
    }
    if (routeError) {
      await drain(req);
      throw routeError;
    }
    if (resource) return this.handleResource(req, res, method, verb, resource, url.searchParams);
    if (method !== "GET") throw methodNotAllowed();
    return this.handleNonResource(res, path, segments);
  }

  private handleNonResource(res: ServerResponse, path: string, segments: string[]): void {
    if (path === "/healthz" || path === "/livez" || path === "/readyz") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("ok");
      return;
    }
    const doc = this.nonResourceDocument(path, segments);
    if (doc === undefined) throw notFoundPath();
    sendJson(res, 200, doc);
  }

  /** Discovery and OpenAPI documents (a string is already JSON). */
  private nonResourceDocument(path: string, segments: string[]): unknown {
    if (path === "/version") return versionInfo();
    if (path === "/api") return apiVersions(this.address());
    if (path === "/api/v1") return apiResourceList(this.registry, "", "v1");
    if (path === "/apis") return apiGroupList(this.registry);
    if (segments[0] === "apis" && segments.length === 2) return apiGroupDoc(this.registry, segments[1] ?? "");
    if (segments[0] === "apis" && segments.length === 3) {
      const [, group = "", version = ""] = segments;
      return this.registry.hasGroupVersion(group, version) ? apiResourceList(this.registry, group, version) : undefined;
    }
    if (path === "/openapi/v3") return this.openapi.root();
    if (segments[0] === "openapi" && segments[1] === "v3") return this.openapi.document(segments.slice(2).join("/"));
    if (path === "/") return { paths: ["/api", "/api/v1", "/apis", "/healthz", "/openapi/v3", "/version"] };
    return undefined;
  }

  private address(): string {
    const a = this.http.address() as AddressInfo | null;
    return a ? `${a.address}:${a.port}` : "127.0.0.1";
  }

  /** Maps /api/v1/... and /apis/<g>/<v>/... paths onto a served resource, or undefined for non-resource paths. */
  private resolveResource(segments: string[]): ResourceRequest | undefined {
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
    const lookup = (plural: string | undefined) => (plural ? this.registry.lookup(group, version, plural) : undefined);
    if (rest[0] === "namespaces" && rest.length >= 3) {
      const inNamespace = lookup(rest[2]);
      if (inNamespace?.namespaced) {
        if (rest.length > 5) throw notFoundPath();
        return { def: inNamespace, namespace: rest[1], name: rest[3], subresource: rest[4], legacyWatch };
      }
    }
    const def = lookup(rest[0]);
    if (!def) {
      if (rest.length > 0 && this.registry.hasGroupVersion(group, version)) throw notFoundPath();
      if (rest.length > 0) throw notFoundPath();
      return undefined;
    }
    if (rest.length > 3) throw notFoundPath();
    if (def.namespaced && rest.length > 1) throw notFoundPath();
    return { def, name: rest[1], subresource: rest[2], legacyWatch };
  }

  private async handleResource(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    verb: string,
    r: ResourceRequest,
    q: URLSearchParams,
  ): Promise<void> {
    const { def } = r;
    if (r.subresource !== undefined && !(r.subresource === "status" && def.statusSubresource)) throw notFoundPath();
    const subresource = r.subresource === "status" ? "status" : undefined;
    const accept = req.headers.accept;
    const repr = wantedRepresentation(accept);
    switch (verb) {
      case "get": {
        const s = this.objects.getStored(def, r.namespace, r.name ?? "");
        if (repr === "Table")
          return sendJson(res, 200, toTable(def, [def.toView(s.obj)], parseIncludeObject(q.get("includeObject")), {}));
        if (repr === "PartialObjectMetadata") return sendJson(res, 200, partialObjectMetadata(def.toView(s.obj)));
        return sendJson(res, 200, objectJson(def, s));
      }
      case "list": {
        const labels = parseLabelSelector(q.get("labelSelector"));
        const fields = parseFieldSelector(q.get("fieldSelector"), def.fieldSelectors);
        const limit = parseLimit(q.get("limit"));
        const page = this.objects.list(def, r.namespace, { labels, fields, limit, continueToken: q.get("continue") });
        const listMeta: Record<string, unknown> = { resourceVersion: String(page.rv) };
        if (page.continue) listMeta.continue = page.continue;
        if (page.remainingItemCount !== undefined) listMeta.remainingItemCount = page.remainingItemCount;
        if (repr === "Table") {
          const views = page.items.map((s) => def.toView(s.obj));
          return sendJson(res, 200, toTable(def, views, parseIncludeObject(q.get("includeObject")), listMeta));
        }
        if (repr === "PartialObjectMetadata") {
          return sendJson(res, 200, {
            kind: "PartialObjectMetadataList",
            apiVersion: "meta.k8s.io/v1",
            metadata: listMeta,
            items: page.items.map((s) => partialObjectMetadata(def.toView(s.obj))),
          });
        }
        const head = `{"kind":${JSON.stringify(def.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(def))},"metadata":${JSON.stringify(listMeta)},"items":[`;
        return sendJson(res, 200, `${head}${page.items.map((s) => objectJson(def, s)).join(",")}]}`);
      }
      case "watch": {
        const labels = parseLabelSelector(q.get("labelSelector"));
        let fields: FieldSelector = parseFieldSelector(q.get("fieldSelector"), def.fieldSelectors);
        if (r.name !== undefined) fields = [...fields, { field: "metadata.name", op: "=", value: r.name }];
        const timeout = Number(q.get("timeoutSeconds") ?? "");
        this.watches.serve(res, {
          def,
          namespace: def.namespaced ? r.namespace : undefined,
          labels,
          fields,
          resourceVersion: q.get("resourceVersion"),
          sendInitialEvents: q.get("sendInitialEvents") === "true",
          allowBookmarks: q.get("allowWatchBookmarks") === "true",
          timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_WATCH_TIMEOUT_SECONDS,
          table: repr === "Table" ? parseIncludeObject(q.get("includeObject")) : undefined,
        });
        return;
      }
      case "create": {
        const body = await readJson(req);
        const result = this.objects.create(def, r.namespace, body, writeOptions(req, q));
        return sendJson(res, result.code, result.object, result.warnings);
      }
      case "update": {
        const body = await readJson(req);
        const result = this.objects.update(def, r.namespace, r.name ?? "", body, writeOptions(req, q), subresource);
        return sendJson(res, result.code, result.object, result.warnings);
      }
      case "patch": {
        const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
        if (!PATCH_TYPES.includes(contentType)) {
          await drain(req);
          throw unsupportedMediaType();
        }
        const raw = await readBody(req);
        const opts = { ...writeOptions(req, q), force: q.get("force") === "true" };
        const result = this.objects.patch(def, r.namespace, r.name ?? "", contentType, raw, opts, subresource);
        return sendJson(res, result.code, result.object, result.warnings);
      }
      case "delete": {
        const options = deleteOptions(await readBody(req), q);
        const { object, deleted } = this.objects.delete(def, r.namespace, r.name ?? "", options);
        if (deleted && !def.custom) {
          return sendJson(res, 200, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            details: {
              name: object.metadata.name,
              group: def.group || undefined,
              kind: def.plural,
              uid: object.metadata.uid,
            },
          });
        }
        return sendJson(res, 200, object);
      }
      case "deletecollection": {
        const options = deleteOptions(await readBody(req), q);
        const labels = parseLabelSelector(q.get("labelSelector"));
        const fields = parseFieldSelector(q.get("fieldSelector"), def.fieldSelectors);
        const items = this.objects.deleteCollection(
          def,
          r.namespace,
          { labels, fields, limit: 0, continueToken: null },
          options,
        );
        return sendJson(res, 200, {
          kind: def.listKind,
          apiVersion: apiVersionOf(def),
          metadata: { resourceVersion: String(this.store.currentRv()) },
          items,
        });
      }
      default:
        await drain(req);
        throw methodNotAllowed(`the server does not allow this method on the requested resource (${method})`);
    }
  }

  private sendError(res: ServerResponse, err: unknown): void {
    const e =
      err instanceof KubeError
        ? err
        : new KubeError(
            500,
            "InternalError",
            `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
          );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, e.code, e.toStatus());
  }
}

const notFoundPath = () => new KubeError(404, "NotFound", "the server could not find the requested resource", {});

function verbOf(method: string, r: ResourceRequest, q: URLSearchParams): string {
  const collection = r.name === undefined;
  switch (method) {
    case "GET": {
      const watch = r.legacyWatch || q.get("watch") === "true" || q.get("watch") === "1";
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

function parseLimit(v: string | null): number {
  if (!v) return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid limit: ${v}`);
  return n;
}

function writeOptions(req: IncomingMessage, q: URLSearchParams): WriteOptions {
  const dryRun = q.getAll("dryRun");
  for (const d of dryRun) if (d !== "All") throw badRequest(`Invalid dryRun value: ${d}; supported values: "All"`);
  const fv = q.get("fieldValidation") ?? "";
  const fieldValidation = (fv === "" ? "Warn" : fv) as FieldValidation;
  if (!["Strict", "Warn", "Ignore"].includes(fieldValidation))
    throw badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  const ua = req.headers["user-agent"] ?? "";
  const fieldManager = q.get("fieldManager") || ua.split("/")[0] || "unknown";
  if (fieldManager.length > 128) throw badRequest("fieldManager: Too long: may not be more than 128 bytes");
  return { dryRun: dryRun.includes("All"), fieldManager, fieldValidation };
}

function deleteOptions(raw: string, q: URLSearchParams): DeleteOptions {
  let body: unknown = {};
  if (raw.trim()) {
    try {
      body = JSON.parse(raw);
    } catch (err) {
      throw badRequest(`error decoding DeleteOptions: ${(err as Error).message}`);
    }
  }
  const opts = (isObject(body) ? body : {}) as DeleteOptions;
  const dryRun = q.getAll("dryRun");
  if (dryRun.length) opts.dryRun = dryRun;
  const propagation = q.get("propagationPolicy");
  if (propagation) opts.propagationPolicy = propagation;
  return opts;
}

function readBuffer(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new KubeError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const readBody = async (req: IncomingMessage): Promise<string> => (await readBuffer(req)).toString("utf8");

/** JSON bodies, and protobuf for the built-in kinds kubectl sends that way; anything else is 415. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const contentType = (req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "";
  if (contentType === PROTOBUF) return decodeProtobufObject(await readBuffer(req));
  if (contentType !== "application/json" && contentType !== "" && !contentType.endsWith("+json")) {
    await drain(req);
    throw new KubeError(
      415,
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf",
    );
  }
  const raw = await readBody(req);
  try {
    return JSON.parse(raw) as KubeObject;
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  await readBody(req).catch(() => undefined);
}

function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
  };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}
