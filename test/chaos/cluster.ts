/**
 * What the chaos tests do to the cluster, through the real client-node: apply resources whose every generation is
 * recognisable in SageMaker (the execution role names the generation), edit, delete, and read them back.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { DEMO_DOMAIN, type LocalStack } from "@sagemaker-profile-operator/local-stack/stack";
import type { SpecUserSettings } from "../../src/api/generated/spec-types.js";
import {
  GROUP,
  PLURAL,
  type SageMakerUserProfile,
  type SageMakerUserProfileSpec,
  VERSION,
} from "../../src/api/types.js";

export const NAMESPACE = "chaos";
const coords = { group: GROUP, version: VERSION, plural: PLURAL };
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** The execution role of a resource's spec at a given generation: `role/chaos-<name>-g<generation>`. */
export const roleFor = (name: string, generation: number) =>
  `arn:aws:iam::123456789012:role/chaos-${name}-g${generation}`;

/** The generation a role names, or undefined when the role is not one of ours. */
export function generationOfRole(role: unknown): number | undefined {
  const m = /role\/chaos-.+-g(\d+)$/.exec(String(role ?? ""));
  return m ? Number(m[1]) : undefined;
}

const INSTANCE_TYPES = ["ml.t3.medium", "ml.t3.large", "ml.m5.large", "ml.m5.xlarge"] as const;

function userSettings(name: string, generation: number): SpecUserSettings {
  return {
    executionRole: roleFor(name, generation),
    jupyterServerAppSettings: {
      defaultResourceSpec: { instanceType: INSTANCE_TYPES[generation % INSTANCE_TYPES.length] },
    },
  };
}

export class Cluster {
  readonly api: CustomObjectsApi;
  readonly core: CoreV1Api;
  /** The generation the last edit of each resource produced (what it must converge to). */
  readonly latest = new Map<string, number>();
  readonly deleted = new Set<string>();

  constructor(readonly stack: LocalStack) {
    this.api = stack.kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = stack.kubeConfig.makeApiClient(CoreV1Api);
  }

  /** `extra`: more of the spec (e.g. deletion.cleanup). */
  async create(name: string, extra: Partial<SageMakerUserProfileSpec> = {}): Promise<void> {
    const body: SageMakerUserProfile = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: "SageMakerUserProfile",
      metadata: { name, namespace: NAMESPACE },
      spec: { domainId: DEMO_DOMAIN, userSettings: userSettings(name, 1), ...extra },
    };
    await retryKube(() => this.api.createNamespacedCustomObject({ ...coords, namespace: NAMESPACE, body }));
    this.latest.set(name, 1);
  }

  /** A new generation: both the role and the instance type change. Returns the generation. */
  async edit(name: string): Promise<number> {
    const next = (this.latest.get(name) ?? 1) + 1;
    const out = (await retryKube(() =>
      this.api.patchNamespacedCustomObject(
        { ...coords, namespace: NAMESPACE, name, body: { spec: { userSettings: userSettings(name, next) } } },
        mergePatch,
      ),
    )) as SageMakerUserProfile;
    // The role carries the generation the API server gave this spec, so they must agree.
    if (out.metadata.generation !== next)
      throw new Error(`expected generation ${next} for ${name}, got ${out.metadata.generation}`);
    this.latest.set(name, next);
    return next;
  }

  async remove(name: string): Promise<void> {
    await retryKube(() => this.api.deleteNamespacedCustomObject({ ...coords, namespace: NAMESPACE, name }));
    this.deleted.add(name);
  }

  async list(): Promise<SageMakerUserProfile[]> {
    const out = (await retryKube(() => this.api.listNamespacedCustomObject({ ...coords, namespace: NAMESPACE }))) as {
      items: SageMakerUserProfile[];
    };
    return out.items;
  }
}

/** The API server may be down on purpose (a fault); the test's own calls wait it out. */
async function retryKube<T>(call: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (!(code === 503 || code === 500 || code === undefined) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export const isReadyAtLatest = (obj: SageMakerUserProfile) =>
  obj.status?.observedGeneration === obj.metadata.generation &&
  obj.status?.conditions?.some(
    (c) => c.type === "Ready" && c.status === "True" && c.observedGeneration === obj.metadata.generation,
  ) === true;
