/** The UpdateUserProfile request: drifted blocks only, each the observed block with the declared fields laid over it. */
import { describe, expect, it } from "vitest";
import type { UserSettings } from "../../src/api/generated/sagemaker-shapes.js";
import { computeDrift } from "../../src/drift/index.js";
import { mergeUserSettingsUpdate } from "../../src/sagemaker/semantics.js";
import { DOMAIN, described, IMAGE_ARN, lcc, NAME, ROLE, SECRET, spec } from "./fixtures.js";

const observed: UserSettings = {
  ExecutionRole: ROLE,
  SecurityGroups: ["sg-1"],
  JupyterLabAppSettings: {
    DefaultResourceSpec: {
      InstanceType: "ml.t3.medium",
      SageMakerImageArn: IMAGE_ARN,
      SageMakerImageVersionAlias: "2.6",
    },
    LifecycleConfigArns: [lcc("lab")],
    AppLifecycleManagement: { IdleSettings: { LifecycleManagement: "ENABLED", IdleTimeoutInMinutes: 60 } },
  },
  SharingSettings: { NotebookOutputOption: "Disabled" },
  SpaceStorageSettings: { DefaultEbsStorageSettings: { DefaultEbsVolumeSizeInGb: 5, MaximumEbsVolumeSizeInGb: 100 } },
  StudioWebPortal: "ENABLED",
};

describe("update request", () => {
  it("is null when nothing drifted", () => {
    const r = computeDrift(spec({ executionRole: ROLE, securityGroups: ["sg-1"] }), NAME, described(observed));
    expect(r.updateRequest).toBeNull();
  });

  it("keeps the observed undeclared fields of a drifted block and omits the blocks that did not drift", () => {
    const r = computeDrift(
      spec({
        executionRole: ROLE,
        securityGroups: ["sg-1"],
        sharingSettings: { notebookOutputOption: "Disabled" },
        jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } },
      }),
      NAME,
      described(observed),
    );
    expect(r.blocks).toEqual(["jupyterLabAppSettings"]);
    expect(r.updateRequest).toEqual({
      DomainId: DOMAIN,
      UserProfileName: NAME,
      UserSettings: {
        JupyterLabAppSettings: {
          DefaultResourceSpec: {
            InstanceType: "ml.t3.large",
            SageMakerImageArn: IMAGE_ARN,
            SageMakerImageVersionAlias: "2.6",
          },
          LifecycleConfigArns: [lcc("lab")],
          AppLifecycleManagement: { IdleSettings: { LifecycleManagement: "ENABLED", IdleTimeoutInMinutes: 60 } },
        },
      },
    });
  });

  it("applied with SageMaker's merge rule, repairs the drift and changes nothing else", () => {
    const desired = spec({
      securityGroups: ["sg-2"],
      jupyterLabAppSettings: { appLifecycleManagement: { idleSettings: { idleTimeoutInMinutes: 120 } } },
    });
    const r = computeDrift(desired, NAME, described(observed));
    const after = mergeUserSettingsUpdate(observed, r.updateRequest?.UserSettings);
    expect(computeDrift(desired, NAME, described(after)).drifted).toBe(false);
    expect(after).toEqual({
      ...observed,
      SecurityGroups: ["sg-2"],
      JupyterLabAppSettings: {
        ...observed.JupyterLabAppSettings,
        AppLifecycleManagement: { IdleSettings: { LifecycleManagement: "ENABLED", IdleTimeoutInMinutes: 120 } },
      },
    });
  });

  it("sends the declared block as is when SageMaker has none", () => {
    const r = computeDrift(
      spec({
        kernelGatewayAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.small" }, lifecycleConfigArns: [] },
      }),
      NAME,
      described(observed),
    );
    expect(r.updateRequest?.UserSettings).toEqual({
      KernelGatewayAppSettings: { DefaultResourceSpec: { InstanceType: "ml.t3.small" }, LifecycleConfigArns: [] },
    });
  });

  it("gives a profile described without UserSettings the declared settings", () => {
    const r = computeDrift(spec({ executionRole: ROLE }), NAME, described());
    expect(r.patch).toEqual([{ op: "add", path: "/userSettings", value: { executionRole: ROLE } }]);
    expect(r.updateRequest?.UserSettings).toEqual({ ExecutionRole: ROLE });
  });

  it("declared lists replace; a declared element keeps its matched observed element's undeclared fields", () => {
    const r = computeDrift(
      spec({
        canvasAppSettings: {
          identityProviderOAuthSettings: [
            { dataSourceName: "Snowflake", status: "DISABLED" },
            { dataSourceName: "SalesforceGenie", status: "ENABLED" },
          ],
        },
      }),
      NAME,
      described({
        CanvasAppSettings: {
          IdentityProviderOAuthSettings: [{ DataSourceName: "Snowflake", Status: "ENABLED", SecretArn: SECRET }],
          KendraSettings: { Status: "ENABLED" },
        },
      }),
    );
    expect(r.updateRequest?.UserSettings).toEqual({
      CanvasAppSettings: {
        IdentityProviderOAuthSettings: [
          { DataSourceName: "Snowflake", Status: "DISABLED", SecretArn: SECRET },
          { DataSourceName: "SalesforceGenie", Status: "ENABLED" },
        ],
        KendraSettings: { Status: "ENABLED" },
      },
    });
  });

  it("a union element keeps only the member the spec chose", () => {
    const r = computeDrift(
      spec({ customFileSystemConfigs: [{ eFSFileSystemConfig: { fileSystemId: "fs-1", fileSystemPath: "/new" } }] }),
      NAME,
      described({
        CustomFileSystemConfigs: [{ EFSFileSystemConfig: { FileSystemId: "fs-1", FileSystemPath: "/old" } }],
      }),
    );
    expect(r.fields).toEqual(["/userSettings/customFileSystemConfigs/0/eFSFileSystemConfig/fileSystemPath"]);
    expect(r.updateRequest?.UserSettings).toEqual({
      CustomFileSystemConfigs: [{ EFSFileSystemConfig: { FileSystemId: "fs-1", FileSystemPath: "/new" } }],
    });
  });

  it("drops members the model does not know from the observed block it sends back", () => {
    const withUnknown = {
      SharingSettings: { NotebookOutputOption: "Disabled", FutureOption: "x" },
    } as unknown as UserSettings;
    const r = computeDrift(
      spec({ sharingSettings: { notebookOutputOption: "Allowed" } }),
      NAME,
      described(withUnknown),
    );
    expect(r.updateRequest?.UserSettings).toEqual({ SharingSettings: { NotebookOutputOption: "Allowed" } });
  });
});
