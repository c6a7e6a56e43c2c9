/**
 * A KubeConfig whose requests share one connection pool per (cluster, user): for the tests', the demo's and the
 * benchmark's own calls through client-node's generated API classes (the operator makes its calls with src/kube/rest.ts).
 *
 * client-node 2.0.1 builds a new undici Agent for every request whenever the cluster has TLS options (a CA, a client
 * certificate, or skipTLSVerify; i.e. always in a cluster), so every API call opens a new connection (and does a TLS
 * handshake) and leaves the idle socket open until its keep-alive expires: at controller request rates that is
 * thousands of sockets (EMFILE) and a handshake per status write. Only the dispatcher is swapped; authentication
 * (tokens, exec plugins) still runs per request.
 */
import { KubeConfig } from "@kubernetes/client-node/dist/config.js";

type RequestContext = Parameters<KubeConfig["applySecurityAuthentication"]>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

export class PooledKubeConfig extends KubeConfig {
  private readonly dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return; // plain http without TLS options: fetch's global pool is used already
    const key = JSON.stringify([
      this.getCurrentContext(),
      this.getCurrentCluster()?.server,
      this.getCurrentUser()?.name,
    ]);
    const pooled = this.dispatchers.get(key);
    if (pooled) context.setDispatcher(pooled);
    else this.dispatchers.set(key, fresh);
  }
}

/** Loads a kubeconfig file into a pooled KubeConfig. */
export function pooledKubeConfig(path: string): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromFile(path);
  return kc;
}
