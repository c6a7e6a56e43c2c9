/** SageMakerAccount objects for tests, created through the real client-node like `kubectl apply`. */
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { SageMakerAccountSpec } from "../../src/accounts/index.js";

const ACCOUNT = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeraccounts" };

/** Creates the account, or merge-patches the given fields of an existing one (like `kubectl apply` of a change). */
export async function applyAccount(kubeConfig: KubeConfig, name: string, spec: SageMakerAccountSpec): Promise<void> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    await api.patchClusterCustomObject(
      { ...ACCOUNT, name, body: { spec } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
    const body = {
      apiVersion: `${ACCOUNT.group}/${ACCOUNT.version}`,
      kind: "SageMakerAccount",
      metadata: { name },
      spec,
    };
    await api.createClusterCustomObject({ ...ACCOUNT, body });
  }
}
