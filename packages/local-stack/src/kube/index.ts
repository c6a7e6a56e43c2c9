/**
 * A local Kubernetes API server, good enough for the real `@kubernetes/client-node` and `kubectl`: discovery,
 * CRDs (from `crds/` and via the API), CRUD with patches and server-side apply, list + watch with resourceVersion,
 * bookmarks and 410 Expired, the status subresource, finalizers, schema + CEL validation, Table printing, and
 * fault injection for tests. State lives in memory.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import type { Denial, FailMatch } from "./faults.js";
import { kubeconfigYaml } from "./kubeconfig.js";
import { isObject } from "./meta.js";
import { KubeServer, type RequestRecord, type ServerStats } from "./server.js";

export { DENIED_USER, type Denial, type FailMatch } from "./faults.js";
export type { RequestRecord, ServerStats } from "./server.js";

export interface LocalKubeOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Directory of CRD manifests registered at start; default `<repo>/crds`. */
  crdDir?: string;
  /** Where to write the kubeconfig; default a file in a fresh temporary directory (removed on close). */
  kubeconfigPath?: string;
  /** Watch events kept per resource for watch resume; a watch from an older resourceVersion gets 410. Default 10000. */
  watchCacheSize?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 10 s. */
  bookmarkIntervalMs?: number;
  /** Events are deleted this long after their last write, like kube-apiserver's `--event-ttl`. Default 1 h. */
  eventTtlMs?: number;
  /**
   * Bearer token clients must present (written to the kubeconfig). Default: none, no authentication, because
   * kubectl (client-go) never sends credentials over plain http; client-node does.
   */
  token?: string;
  /** Bearer token -> user name: the request log and denials say who asked (RBAC's user, for least-privilege tests). */
  users?: Record<string, string>;
}

export interface LocalKubeFaults {
  /** Cut every open watch stream mid-stream. */
  breakWatches(): void;
  /**
   * Deliver the watch events of `resource` (plural) `ms` late, in order, while other resources' events go on (a
   * lagging watch cache); 0 ends the lag.
   */
  delayWatches(resource: string, ms: number): void;
  /** Compact: the next watch from an older resourceVersion gets 410 Expired; paged-list continue tokens expire. */
  expireHistory(): void;
  /** Delete every Event now, as if the event TTL had run out (watchers see DELETED). */
  expireEvents(): void;
  /** Fail the next matching requests (e.g. 409 on `/status`, 503 on list). */
  failNext(match: FailMatch): void;
  /** Answer 503 to every request for `ms` milliseconds (open watches are cut at once). */
  setUnavailable(ms: number): void;
  /** Deny a verb on a resource as RBAC would (403 Forbidden) until the returned function is called. */
  deny(denial: Denial): () => void;
}

export interface LocalKube {
  url: string;
  port: number;
  /** The written kubeconfig file. */
  kubeconfigPath: string;
  /** The kubeconfig's YAML text. */
  kubeconfig: string;
  close(): Promise<void>;
  faults: LocalKubeFaults;
  /** writes = create/update/patch/delete/deletecollection requests; watches = watch requests started. */
  stats(): ServerStats;
  /** Resource requests since the last resetStats, with their RBAC attributes (verb, group, resource[/subresource]). */
  requestLog(): RequestRecord[];
  resetStats(): void;
}

const INITIAL_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** `<repo>/crds`: the nearest ancestor of this file holding a crds/ directory (the operator's repository root). */
function defaultCrdDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "crds"))) return join(dir, "crds");
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readCrdManifests(dir: string): unknown[] {
  const docs: unknown[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(ya?ml|json)$/.test(file)) continue;
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const value = doc.toJS() as unknown;
      if (isObject(value) && value.kind === "CustomResourceDefinition") docs.push(value);
    }
  }
  return docs;
}

export async function startLocalKube(options: LocalKubeOptions = {}): Promise<LocalKube> {
  const token = options.token || undefined;
  const server = new KubeServer({
    watchCacheSize: options.watchCacheSize ?? 10_000,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
    eventTtlMs: options.eventTtlMs ?? 60 * 60_000,
    token,
    users: options.users,
  });

  const system = { dryRun: false, fieldManager: "local-kube", fieldValidation: "Ignore" as const };
  const nsDef = server.registry.lookup("", "v1", "namespaces");
  const crdDef = server.registry.lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  if (!nsDef || !crdDef) throw new Error("built-in resources missing");
  for (const name of INITIAL_NAMESPACES) server.objects.create(nsDef, undefined, { metadata: { name } }, system);
  const crdDir = options.crdDir ?? defaultCrdDir();
  if (options.crdDir !== undefined && !existsSync(options.crdDir))
    throw new Error(`CRD directory not found: ${options.crdDir}`);
  if (crdDir && existsSync(crdDir))
    for (const crd of readCrdManifests(crdDir)) server.objects.create(crdDef, undefined, crd, system);

  const address = await server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  const kubeconfig = kubeconfigYaml(url, token);
  let tempDir: string | undefined;
  let kubeconfigPath = options.kubeconfigPath;
  if (kubeconfigPath) {
    kubeconfigPath = resolve(kubeconfigPath);
    await mkdir(dirname(kubeconfigPath), { recursive: true });
  } else {
    tempDir = await mkdtemp(join(tmpdir(), "local-kube-"));
    kubeconfigPath = join(tempDir, "kubeconfig");
  }
  await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });

  let closed = false;
  return {
    url,
    port: address.port,
    kubeconfigPath,
    kubeconfig,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
    faults: {
      breakWatches: () => server.watches.breakAll(),
      delayWatches: (resource, ms) => server.watches.setLag(resource, ms),
      expireHistory: () => server.expireHistory(),
      expireEvents: () => server.expireEvents(),
      failNext: (match) => server.faults.failNext(match),
      setUnavailable: (ms) => {
        server.faults.setUnavailable(ms);
        if (ms > 0) server.watches.breakAll();
      },
      deny: (denial) => server.faults.deny(denial),
    },
    stats: () => server.stats(),
    requestLog: () => server.requestLog(),
    resetStats: () => server.resetStats(),
  };
}
