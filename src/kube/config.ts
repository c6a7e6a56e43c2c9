/** Where the Kubernetes connection comes from: an explicit kubeconfig, else KUBECONFIG, else in-cluster, else ~/.kube/config. */

import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { KubeApi } from "./rest.js";

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface KubeConfigSource {
  /** An explicit kubeconfig file (the `--kubeconfig` flag). */
  path?: string;
  /** A context other than the file's current one. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Where `~` is (tests). */
  homeDir?: string;
}

/**
 * Loads a KubeConfig. Unlike client-node's loadFromDefault, it never falls back to http://localhost:8080: finding no
 * configuration at all is an error.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const env = source.env ?? process.env;
  const kc = new KubeConfig();
  const home = join(source.homeDir ?? homedir(), ".kube", "config");
  if (source.path) {
    kc.loadFromFile(source.path);
  } else if (env.KUBECONFIG) {
    // A path list, like kubectl: the first file wins, later ones add what it lacks.
    const [first, ...rest] = env.KUBECONFIG.split(delimiter).filter(Boolean);
    kc.loadFromFile(first as string);
    for (const file of rest) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more, true);
    }
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(`${SERVICE_ACCOUNT_DIR}/token`)) {
    kc.loadFromCluster();
  } else if (existsSync(home)) {
    kc.loadFromFile(home);
  } else {
    throw new Error("no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a cluster");
  }
  if (source.context) kc.setCurrentContext(source.context);
  if (!kc.getCurrentCluster()) throw new Error(`kubeconfig has no cluster for context "${kc.getCurrentContext()}"`);
  return kc;
}

/** The namespace of the pod's service account, when running in a cluster. */
export function inClusterNamespace(): string | undefined {
  try {
    return readFileSync(`${SERVICE_ACCOUNT_DIR}/namespace`, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface KubeClients {
  kubeConfig: KubeConfig;
  /** The REST calls of the writers (status, finalizers); see rest.ts for why not client-node's generated APIs. */
  api: KubeApi;
}

export function makeClients(kubeConfig: KubeConfig): KubeClients {
  return { kubeConfig, api: new KubeApi(kubeConfig) };
}
