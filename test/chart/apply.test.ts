/**
 * docs/install.md's "Without Helm" steps, as a new user would run them, against the project's local Kubernetes API
 * server with the real kubectl: create the namespace, `helm template --include-crds`, `kubectl apply`, then a first
 * SageMakerUserProfile.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalKube, startLocalKube } from "@sagemaker-profile-operator/local-stack/kube";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartDir, FULLNAME, helm, NAMESPACE, RELEASE } from "./helm.js";

let kube: LocalKube | undefined;

/** Asynchronous on purpose: the local API server runs in this process, a blocking spawn would deadlock it. */
function kubectl(args: string[], input?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const bin = process.env.KUBECTL;
  if (!bin || !kube) throw new Error("KUBECTL or the local API server is missing");
  const env = { ...process.env, KUBECONFIG: kube.kubeconfigPath };
  return new Promise((resolve) => {
    const child = execFile(bin, args, { encoding: "utf8", env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? "");
  });
}

function template(extra: string[]): string {
  const r = helm(["template", RELEASE, chartDir, "--namespace", NAMESPACE, "--include-crds", ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("the rendered chart applies to a Kubernetes API server", () => {
  beforeAll(async () => {
    // A fresh cluster: no CRD registered yet, the chart's crds/ installs it.
    kube = await startLocalKube({ port: 0, crdDir: mkdtempSync(join(tmpdir(), "no-crds-")) });
  });
  afterAll(async () => {
    await kube?.close();
  });

  it("install.md: create the namespace, helm template | kubectl apply, then a first profile", async () => {
    expect((await kubectl(["create", "namespace", NAMESPACE])).status).toBe(0);
    const manifests = template(["--set", "clusterId=prod-eu-1", "--set", "aws.region=eu-west-1"]);
    const applied = await kubectl(["apply", "-f", "-"], manifests);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`deployment.apps/${FULLNAME} created`);
    expect(applied.stdout).toContain(
      "customresourcedefinition.apiextensions.k8s.io/sagemakeruserprofiles.sagemaker.gitops.io created",
    );

    const deployment = await kubectl([
      "get",
      "deployment",
      FULLNAME,
      "-n",
      NAMESPACE,
      "-o",
      "jsonpath={.spec.template.spec.serviceAccountName}",
    ]);
    expect(deployment.stdout).toBe(FULLNAME);

    expect((await kubectl(["create", "namespace", "team-a"])).status).toBe(0);
    const profile = `apiVersion: sagemaker.gitops.io/v1alpha1
kind: SageMakerUserProfile
metadata:
  name: alice
  namespace: team-a
spec:
  domainId: d-xxxxxxxxxxxx
  userSettings:
    executionRole: arn:aws:iam::123456789012:role/sagemaker-execution-team-a
`;
    const created = await kubectl(["apply", "-f", "-"], profile);
    expect(created.status, created.stderr).toBe(0);
    expect((await kubectl(["get", "smup", "-n", "team-a", "-o", "name"])).stdout.trim()).toBe(
      "sagemakeruserprofile.sagemaker.gitops.io/alice",
    );
  });

  it("HA and namespaced value sets apply too (re-applying is a no-op update)", async () => {
    for (const ns of ["team-b"]) await kubectl(["create", "namespace", ns]);
    for (const values of ["ci/ha-values.yaml", "ci/namespaced-values.yaml"]) {
      const r = await kubectl(["apply", "-f", "-"], template(["--values", join(chartDir, values)]));
      expect(r.status, `${values}: ${r.stderr}`).toBe(0);
    }
    const roles = await kubectl(["get", "roles", "-n", "team-b", "-o", "name"]);
    expect(roles.stdout).toContain(`role.rbac.authorization.k8s.io/${FULLNAME}`);
  });
});
