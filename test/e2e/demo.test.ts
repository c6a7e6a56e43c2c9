/** The README's first command: the demo story runs to the end as a newcomer would see it. */
import { describe, expect, it } from "vitest";
import { LOCAL_STACK_CLI, runCli } from "../cli/run-cli.js";

describe("npm run demo", () => {
  it("creates the examples, repairs an edit, rides out ResourceInUse, reverts an out-of-band change and cleans up a deletion", async () => {
    const { code, stdout, stderr } = await runCli(
      ["demo", "--once", "--metrics-port", "0", "--resync", "3"],
      {},
      LOCAL_STACK_CLI,
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Kubernetes API\s+http:\/\/127\.0\.0\.1:\d+\s+export KUBECONFIG=/);
    expect(stdout).toMatch(/Metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(stdout).toMatch(/all 5 profiles Ready after/);
    expect(stdout).toContain(
      "Updated jupyterServerAppSettings.defaultResourceSpec.instanceType: system -> ml.t3.large",
    );
    expect(stdout).toMatch(/team-a\/bob\s+Reconciling=True ResourceInUse .*attempt 1/);
    expect(stdout).toContain("Updated kernelGatewayAppSettings.defaultResourceSpec.instanceType");
    expect(stdout).toMatch(/Updated executionRole: arn:aws:iam::123456789012:role\/ConsoleEdit ->/);
    expect(stdout).toMatch(/reverted to arn:aws:iam::123456789012:role\/SageMakerStudio-TeamB/);
    expect(stdout).toContain(
      "the operator names why: blocked by 2 apps: JupyterLab/default (InService), KernelGateway/datascience-1 (Failed); 1 private space: dana-space",
    );
    expect(stdout).toMatch(/team-c\/dana\s+event CleanupApp/);
    expect(stdout).toMatch(/team-c\/dana\s+event CleanupSpace/);
    expect(stdout).toContain("4 DeleteApp/DeleteSpace calls (apps, then the private space), then DeleteUserProfile");
    expect(stdout).toContain(
      "research/rita is arn:aws:sagemaker:eu-west-1:111111111111:user-profile/d-research0001/rita, created with the role's temporary credentials",
    );
    expect(stdout).toMatch(/stopped\s*$/);
  }, 180_000);
});
