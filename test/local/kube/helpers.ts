/** Test helpers: a local API server per test file, reached through the real client-node (and kubectl). */
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  KubernetesObjectApi,
} from "@kubernetes/client-node";
import { type LocalKube, type LocalKubeOptions, startLocalKube } from "@sagemaker-profile-operator/local-stack/kube";

export const GROUP = "sagemaker.gitops.io";
export const VERSION = "v1alpha1";
export const PLURAL = "sagemakeruserprofiles";
export const PROFILES = { group: GROUP, version: VERSION, plural: PLURAL };

export interface Env {
  kube: LocalKube;
  kc: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
  objects: KubernetesObjectApi;
}

export async function startEnv(options: LocalKubeOptions = {}): Promise<Env> {
  const kube = await startLocalKube(options);
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);
  return {
    kube,
    kc,
    custom: kc.makeApiClient(CustomObjectsApi),
    core: kc.makeApiClient(CoreV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
    events: kc.makeApiClient(EventsV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

export type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
    finalizers?: string[];
    deletionTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: Array<{ manager: string; operation: string }>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

export function profile(
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
  meta: Partial<Obj["metadata"]> = {},
): Obj {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: "SageMakerUserProfile",
    metadata: { name, namespace, ...meta },
    spec: { domainId: "d-abc123def456", ...spec },
  };
}

let nsCounter = 0;
/** A fresh namespace per test keeps tests in one file independent. */
export async function freshNamespace(env: Env, prefix = "t"): Promise<string> {
  const name = `${prefix}-${process.pid}-${++nsCounter}`;
  await env.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export interface StatusBody {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { name?: string; kind?: string; causes?: Array<{ field?: string; message: string; reason?: string }> };
}

/** The Kubernetes Status of a failed client-node call. */
export async function failure(p: Promise<unknown>): Promise<StatusBody & { headers: Record<string, string> }> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const raw = err.body as unknown;
    const body = (typeof raw === "string" ? JSON.parse(raw) : raw) as StatusBody;
    return { ...body, headers: err.headers };
  }
  throw new Error("expected the call to fail");
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl against the server, with a private HOME so its discovery cache is per test file. */
export async function kubectlRunner(
  kubeconfigPath: string,
): Promise<(args: string[], env?: NodeJS.ProcessEnv) => Promise<KubectlResult>> {
  const kubectl = process.env.KUBECTL;
  if (!kubectl) throw new Error("KUBECTL is not set (test/global-setup.ts extracts it)");
  const home = await mkdtemp(join(tmpdir(), "kubectl-home-"));
  return (args, env = {}) =>
    new Promise((resolve, reject) => {
      execFile(
        kubectl,
        args,
        { env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfigPath, ...env }, timeout: 30_000 },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== "number") return reject(error);
          resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
        },
      );
    });
}

export const fixture = (name: string) => join(import.meta.dirname, "fixtures", name);
