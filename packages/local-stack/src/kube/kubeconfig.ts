/** The kubeconfig that points clients at the local server (plain HTTP; client-node needs insecure-skip-tls-verify for http). */
import { stringify } from "yaml";

export const CONTEXT_NAME = "local-kube";

export function kubeconfigYaml(url: string, token: string | undefined): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [{ name: CONTEXT_NAME, cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: CONTEXT_NAME, user: token ? { token } : {} }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace: "default" } }],
    "current-context": CONTEXT_NAME,
  });
}
