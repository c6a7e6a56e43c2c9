/**
 * The local stack: the local Kubernetes API server and the SageMaker emulator started together, with a demo domain,
 * plus helpers to apply manifests through the real client-node. Used by the demo, the end-to-end tests and the bench.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, type KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { formatProblem, parseManifests } from "../../../src/api/validation.js";
import { type LocalKube, type LocalKubeOptions, startLocalKube } from "./kube/index.js";
import { pooledKubeConfig } from "./kube/pooled-kubeconfig.js";
import {
  type AdminResources,
  type EmulatorOptions,
  type SageMakerEmulator,
  startSageMakerEmulator,
} from "./sagemaker/index.js";

export const DEMO_DOMAIN = "d-demo00000001";
/** The demo domain's default security group: SageMaker adds it to every profile's SecurityGroups. */
export const DEMO_DOMAIN_SECURITY_GROUP = "sg-0domaindefault001";

const arn = (account: string, resource: string) => `arn:aws:sagemaker:us-east-1:${account}:${resource}`;
const lcc = (name: string) => arn("123456789012", `studio-lifecycle-config/${name}`);
/**
 * The images, lifecycle configs and file systems that examples/ names, registered with the demo domain so that the
 * examples converge under the emulator mode `referencedResources: checked` too.
 */
export const DEMO_REFERENCED_RESOURCES: Required<AdminResources> = {
  images: [
    arn("885854791233", "image/sagemaker-distribution-cpu"),
    arn("885854791233", "image/sagemaker-distribution-gpu"),
    ...["team-a-pytorch", "team-a-jax", "team-b-r-geospatial", "platform-tools"].map((n) =>
      arn("123456789012", `image/${n}`),
    ),
  ],
  imageVersions: ["team-a-pytorch/3", "team-b-r-geospatial/1", "platform-tools/7"].map((v) =>
    arn("123456789012", `image-version/${v}`),
  ),
  appImageConfigs: [
    "team-a-pytorch-config",
    "team-a-jax-config",
    "team-b-r-geospatial-config",
    "platform-tools-jupyterlab",
  ],
  lifecycleConfigs: [
    "install-cuda-tools",
    "mount-datasets",
    "platform-jupyterlab-setup",
    "code-editor-extensions",
    "builtin-jupyterlab",
    "builtin-code-editor",
  ].map(lcc),
  fileSystems: ["fs-0123456789abcdef0", "fs-0fedcba9876543210"],
};

/** The emulator accepts any signature; these keep the SDK from looking for real credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface LocalStack {
  kube: LocalKube;
  sagemaker: SageMakerEmulator;
  kubeConfig: KubeConfig;
  /** Creates namespaces (idempotent). */
  ensureNamespaces(names: string[]): Promise<void>;
  /** Creates or replaces every object in the files / directories (YAML, multi-document); namespaces are created first. */
  apply(paths: string[]): Promise<KubernetesObject[]>;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  kube?: LocalKubeOptions;
  sagemaker?: EmulatorOptions;
  /**
   * Create the demo domain (with a default security group and a SageMaker-managed NFS group) and register the resources
   * examples/ names (DEMO_REFERENCED_RESOURCES). Default true.
   */
  demoDomain?: boolean;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const kube = await startLocalKube({ port: 0, ...options.kube });
  const sagemaker = await startSageMakerEmulator({ port: 0, ...options.sagemaker }).catch(async (err: unknown) => {
    await kube.close();
    throw err;
  });
  if (options.demoDomain !== false) {
    sagemaker.admin.createDomain({
      domainId: DEMO_DOMAIN,
      domainName: "demo",
      defaultUserSettings: {
        ExecutionRole: "arn:aws:iam::123456789012:role/SageMakerStudio-Default",
        SecurityGroups: [DEMO_DOMAIN_SECURITY_GROUP],
      },
      appNetworkAccessType: "VpcOnly",
    });
    sagemaker.admin.registerResources(DEMO_REFERENCED_RESOURCES);
  }
  // Pooled: client-node's API classes open a connection per request otherwise.
  const kubeConfig = pooledKubeConfig(kube.kubeconfigPath);
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);

  const ensureNamespaces = async (names: string[]) => {
    for (const name of new Set(names)) {
      try {
        await core.createNamespace({ body: { metadata: { name } } });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    }
  };

  return {
    kube,
    sagemaker,
    kubeConfig,
    ensureNamespaces,
    async apply(paths) {
      const docs = paths.flatMap(readManifests);
      await ensureNamespaces(docs.map((d) => d.metadata?.namespace).filter((n): n is string => !!n));
      const out: KubernetesObject[] = [];
      for (const doc of docs) {
        try {
          out.push(await objects.create(doc));
        } catch (err) {
          if ((err as { code?: number }).code !== 409) throw err;
          const current = await objects.read(doc as KubernetesObject & { metadata: { name: string } });
          out.push(
            await objects.replace({
              ...doc,
              metadata: { ...doc.metadata, resourceVersion: current.metadata?.resourceVersion },
            }),
          );
        }
      }
      return out;
    },
    async close() {
      await Promise.all([kube.close(), sagemaker.close()]);
    },
  };
}

/** Every YAML document in the given files, or in the *.yaml / *.yml files of the given directories (not recursive). */
export function readManifests(path: string): KubernetesObject[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.flatMap((file) => {
    // The CLI's safe YAML settings (unique keys, bounded aliases): `demo` applies files a user may have edited.
    const { documents, problems } = parseManifests(readFileSync(file, "utf8"), file);
    if (problems.length > 0) throw new Error(problems.map(formatProblem).join("\n"));
    return documents
      .map((d) => d.object as KubernetesObject)
      .filter((d): d is KubernetesObject => typeof d === "object" && d !== null && !!d.kind);
  });
}
