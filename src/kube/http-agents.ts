/**
 * Keep-alive node:http(s) agents for the REST calls of rest.ts, one per KubeConfig and TLS identity.
 *
 * The TLS options (CA, client certificate and key, skip-verify, server name) are what client-node's
 * `applyToHTTPSOptions` puts in a request's options, read again for every request (a rotated certificate file or an
 * exec plugin's new client certificate shows there); an agent is reused while they stay the same, and replaced (the old
 * one closing its sockets) when they change. client-node's own agent for these options is not used: it is cached per
 * cluster and user for good, so it would keep a rotated certificate's old identity, and it is built without keep-alive,
 * so every call would open a new connection (and do a TLS handshake). With a proxy (`proxy-url`), client-node's proxy
 * agent is used as it is.
 */
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js";

/** The request options that decide the TLS identity of a connection. */
const TLS_KEYS = ["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized", "servername"] as const;
type TlsOptions = Pick<RequestOptions, (typeof TLS_KEYS)[number]>;

interface Pooled {
  secure: boolean;
  tls: TlsOptions;
  agent: HttpAgent;
}

/** Free sockets are kept this long (the API server's own idle timeout is longer; client-go's transport keeps 90 s). */
const FREE_SOCKET_TIMEOUT_MS = 60_000;
/** TCP keep-alive probes on open connections (client-node's dispatcher uses 30 s, as client-go does). */
const KEEP_ALIVE_MS = 30_000;

const pools = new WeakMap<KubeConfig, Map<string, Pooled>>();

/**
 * The agent for a request whose options `applyToHTTPSOptions` filled in: a pooled keep-alive agent for these TLS
 * options, or client-node's agent when the cluster is reached through a proxy.
 */
export function agentFor(kubeConfig: KubeConfig, secure: boolean, options: RequestOptions): HttpAgent {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster?.proxyUrl && options.agent instanceof HttpAgent) return options.agent;
  let byIdentity = pools.get(kubeConfig);
  if (!byIdentity) {
    byIdentity = new Map();
    pools.set(kubeConfig, byIdentity);
  }
  const key = `${cluster?.server ?? ""}\u0000${kubeConfig.getCurrentUser()?.name ?? ""}`;
  const pooled = byIdentity.get(key);
  if (pooled && pooled.secure === secure && sameTls(pooled.tls, options)) return pooled.agent;
  pooled?.agent.destroy();
  const tls: TlsOptions = {};
  for (const k of TLS_KEYS) if (options[k] !== undefined) (tls as Record<string, unknown>)[k] = options[k];
  const common = { keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS, timeout: FREE_SOCKET_TIMEOUT_MS };
  const agent = secure ? new HttpsAgent({ ...common, ...tls }) : new HttpAgent(common);
  byIdentity.set(key, { secure, tls, agent });
  return agent;
}

function sameTls(tls: TlsOptions, options: RequestOptions): boolean {
  for (const k of TLS_KEYS) if (!sameValue(tls[k], options[k])) return false;
  return true;
}

/** Certificates come as fresh Buffers on every request (read from file or decoded from base64), or as strings. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return false;
}
