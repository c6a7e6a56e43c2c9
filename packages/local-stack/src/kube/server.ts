/** The HTTP front of the local API server: auth, faults, statistics, and each verb dispatched to the object API. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery.js";
import { KubeError, methodNotAllowed, unauthorized } from "./errors.js";
import { Faults } from "./faults.js";
import { drain, readBody, readJson, sendJson } from "./http-io.js";
import { listAt, listOptions } from "./list-options.js";
import { type ListOptions, ObjectApi, unsupportedMediaType } from "./objects.js";
import { OpenApi } from "./openapi.js";
import { checkContinueToken, type Page } from "./paging.js";
import { PATCH_TYPES } from "./patch.js";
import { Registry } from "./registry.js";
import { deleteOptions, writeOptions } from "./request-options.js";
import { apiVersionOf, builtinResources, EVENTS_KEY, type ResourceDef } from "./resources.js";
import { notFoundPath, type ResourceRequest, resolveResource, verbOf } from "./routing.js";
import { type FieldSelector, type LabelSelector, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { Store } from "./store.js";
import { parseIncludeObject, partialObjectMetadata, toTable, wantedRepresentation } from "./table.js";
import { objectJson, WatchHub } from "./watch.js";
import { watchOptions } from "./watch-options.js";

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

const DEFAULT_WATCH_TIMEOUT_SECONDS = 1800;
/** Every field label: a field selector's syntax is checked before its labels are (get.go listOpts). */
const ANY_FIELD: ReadonlySet<string> = { has: () => true } as unknown as ReadonlySet<string>;
const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);
/** GET: request counters (ServerStats); DELETE: the counters so far, then zeroes them. */
export const STATS_PATH = "/_local/stats";
/** GET: the resource requests since the last reset (RequestRecord[]): who wrote what, for a server in another process. */
export const REQUESTS_PATH = "/_local/requests";
const NO_AUTH_PATHS = new Set(["/healthz", "/livez", "/readyz"]);

/** A list answer's metadata: the version it was served at and, for a page, where the next one starts. */
function listMetaOf(page: Omit<Page, "items">): Record<string, unknown> {
  const listMeta: Record<string, unknown> = { resourceVersion: String(page.rv) };
  if (page.continue) listMeta.continue = page.continue;
  if (page.remainingItemCount !== undefined) listMeta.remainingItemCount = page.remainingItemCount;
  return listMeta;
}

/**
 * A list's or watch's selectors, parsed when its option checks reach them (list-options.ts, watch-options.ts keep
 * kube-apiserver's order): `parse` decodes both with the other options, `checkFieldLabels` then checks the field
 * selector's labels against the resource's.
 */
function selectorsOf(q: URLSearchParams, fieldLabels: ReadonlySet<string>) {
  const selectors = {
    labels: [] as LabelSelector,
    fields: [] as FieldSelector,
    parse() {
      selectors.labels = parseLabelSelector(q.get("labelSelector"));
      parseFieldSelector(q.get("fieldSelector"), ANY_FIELD);
    },
    checkFieldLabels() {
      selectors.fields = parseFieldSelector(q.get("fieldSelector"), fieldLabels);
    },
  };
  return selectors;
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
    if (path === REQUESTS_PATH && method === "GET") {
      await drain(req);
      return sendJson(res, 200, this.requestLog());
    }
    const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
    let resource: ResourceRequest | undefined;
    let routeError: unknown;
    try {
      resource = resolveResource(this.registry, segments);
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
        const page = this.objects.list(def, r.namespace, this.listQuery(def, q));
        const listMeta = listMetaOf(page);
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
        // Checked whole before the stream starts: a refusal is an HTTP error with no event (watch-options.ts).
        const selectors = selectorsOf(q, def.fieldSelectors);
        const opts = watchOptions(q, selectors.parse, selectors.checkFieldLabels);
        const { labels, fields } = selectors;
        this.watches.serve(res, {
          def,
          namespace: def.namespaced ? r.namespace : undefined,
          labels,
          fields: r.name === undefined ? fields : [...fields, { field: "metadata.name", op: "=", value: r.name }],
          rv: opts.rv,
          sendInitialEvents: opts.sendInitialEvents,
          allowBookmarks: opts.allowBookmarks,
          timeoutSeconds: opts.timeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS,
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
        // apiserver handlers/delete.go DeleteCollection: the list options are decoded and validated as a list's
        // (ValidateListOptions, then the field labels) before the body's DeleteOptions; registry/generic/registry/
        // store.go DeleteCollection deletes what List answers: with a `limit`, that one page (its `continue` in the
        // answer), without one every page.
        const raw = await readBody(req);
        const query = this.listQuery(def, q);
        const page = this.objects.deleteCollection(def, r.namespace, query, deleteOptions(raw, q));
        return sendJson(res, 200, {
          kind: def.listKind,
          apiVersion: apiVersionOf(def),
          metadata: listMetaOf(page),
          items: page.items,
        });
      }
      default:
        await drain(req);
        throw methodNotAllowed(`the server does not allow this method on the requested resource (${method})`);
    }
  }

  /**
   * A list's options from its query, refused where the real server refuses them (list-options.ts), and the version
   * it is served at.
   */
  private listQuery(def: ResourceDef, q: URLSearchParams): ListOptions {
    const selectors = selectorsOf(q, def.fieldSelectors);
    const query = listOptions(q, selectors.parse, selectors.checkFieldLabels, checkContinueToken);
    const rv = query.continueToken
      ? undefined
      : listAt(query, this.store.currentRv(), (at) => this.store.unchangedSince(def.storageKey, at));
    return { labels: selectors.labels, fields: selectors.fields, ...query, rv };
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
