/** Integration helpers: the project's local API server, reached through the real client-node via a kubeconfig. */
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, EventsV1Api } from "@kubernetes/client-node";
import { startLocalKube } from "@sagemaker-profile-operator/local-stack/kube";
import { pooledKubeConfig } from "@sagemaker-profile-operator/local-stack/kube/pooled-kubeconfig";
import { expect } from "vitest";
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from "../../src/api/types.js";
import { type KubeClients, makeClients } from "../../src/kube/config.js";
import { isConflict } from "../../src/kube/errors.js";
import type { KubeObject, ResourceRef } from "../../src/kube/object.js";
import { KubeApiError } from "../../src/kube/rest.js";

export const PROFILES: ResourceRef = { group: GROUP, version: VERSION, plural: PLURAL };

export type LocalKube = Awaited<ReturnType<typeof startLocalKube>>;

/** The operator's clients, and client-node's generated APIs for the tests' own setup and checks. */
export interface Cluster extends KubeClients {
  customObjects: CustomObjectsApi;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
  core: CoreV1Api;
  kube: LocalKube;
  close(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const kube = await startLocalKube({ port: 0 });
  const clients = makeClients(pooledKubeConfig(kube.kubeconfigPath));
  return {
    ...clients,
    customObjects: clients.kubeConfig.makeApiClient(CustomObjectsApi),
    coordination: clients.kubeConfig.makeApiClient(CoordinationV1Api),
    events: clients.kubeConfig.makeApiClient(EventsV1Api),
    core: clients.kubeConfig.makeApiClient(CoreV1Api),
    kube,
    close: () => kube.close(),
  };
}

export async function ensureNamespace(c: Cluster, name: string): Promise<void> {
  try {
    await c.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

export function profile(namespace: string, name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace, ...((extra.metadata as object) ?? {}) },
    spec: { domainId: "d-abc123", ...((extra.spec as object) ?? {}) },
  };
}

export async function createProfile(
  api: CustomObjectsApi,
  namespace: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<KubeObject> {
  return api.createNamespacedCustomObject({ ...PROFILES, namespace, body: profile(namespace, name, extra) });
}

export function getProfile(api: CustomObjectsApi, namespace: string, name: string): Promise<KubeObject> {
  return api.getNamespacedCustomObject({ ...PROFILES, namespace, name });
}

/** The HTTP status and Status body of a request the server refused. */
export function refusalOf(err: unknown): { code: number; status: Record<string, unknown> } {
  expect(err).toBeInstanceOf(KubeApiError);
  const e = err as KubeApiError;
  return { code: e.code, status: JSON.parse(e.body) as Record<string, unknown> };
}

/** kube-apiserver's 422 for invalid ListOptions: one field error bare, several in brackets, no name in the details. */
export function expectInvalidListOptions(refusal: ReturnType<typeof refusalOf>, errors: string[]): void {
  expect(refusal.code).toBe(422);
  const text = errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
  expect(refusal.status).toMatchObject({
    reason: "Invalid",
    message: `ListOptions.meta.k8s.io "" is invalid: ${text}`,
    details: { group: "meta.k8s.io", kind: "ListOptions" },
  });
  expect(refusal.status.details).not.toHaveProperty("name");
}
