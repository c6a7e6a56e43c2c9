/** The drift rules of docs/architecture.md ("Drift rules"), one example at a time. */
import { describe, expect, it } from "vitest";
import type { SpecUserSettings } from "../../src/api/types.js";
import { computeDrift } from "../../src/drift/index.js";
import { described, IMAGE_ARN, lcc, NAME, ROLE, SECRET, spec } from "./fixtures.js";

const drift = (
  desired: SpecUserSettings,
  observed: Parameters<typeof described>[0],
  ctx?: { domainSecurityGroups?: string[] },
) => computeDrift(spec(desired), NAME, described(observed), ctx);

describe("rule: declared fields only", () => {
  it("tolerates server-filled members the spec does not declare (SpaceStorageSettings, StudioWebPortal, AutoMountHomeEFS)", () => {
    const r = drift(
      { executionRole: ROLE },
      {
        ExecutionRole: ROLE,
        SpaceStorageSettings: {
          DefaultEbsStorageSettings: { DefaultEbsVolumeSizeInGb: 5, MaximumEbsVolumeSizeInGb: 100 },
        },
        StudioWebPortal: "ENABLED",
        AutoMountHomeEFS: "DefaultAsDomain",
        DefaultLandingUri: "studio::",
      },
    );
    expect(r).toEqual({
      drifted: false,
      patch: [],
      fields: [],
      changes: [],
      blocks: [],
      updateRequest: null,
      dropped: [],
    });
  });

  it("manages a member once declared: a declared StudioWebPortal that differs drifts", () => {
    const r = drift({ studioWebPortal: "DISABLED" }, { StudioWebPortal: "ENABLED", AutoMountHomeEFS: "Enabled" });
    expect(r.fields).toEqual(["/userSettings/studioWebPortal"]);
    expect(r.updateRequest?.UserSettings).toEqual({ StudioWebPortal: "DISABLED" });
  });

  it("a nested struct compares only its declared members (partial declaration)", () => {
    const observed = {
      JupyterLabAppSettings: {
        DefaultResourceSpec: {
          InstanceType: "ml.t3.medium" as const,
          SageMakerImageArn: IMAGE_ARN,
          SageMakerImageVersionAlias: "2.6",
        },
        AppLifecycleManagement: { IdleSettings: { LifecycleManagement: "ENABLED" as const, IdleTimeoutInMinutes: 60 } },
      },
    };
    const inSync = drift(
      { jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } },
      observed,
    );
    expect(inSync.drifted).toBe(false);

    const changed = drift(
      {
        jupyterLabAppSettings: {
          defaultResourceSpec: { instanceType: "ml.t3.large" },
          appLifecycleManagement: { idleSettings: { idleTimeoutInMinutes: 60 } },
        },
      },
      observed,
    );
    expect(changed.fields).toEqual(["/userSettings/jupyterLabAppSettings/defaultResourceSpec/instanceType"]);
    expect(changed.changes).toEqual([
      {
        path: "/userSettings/jupyterLabAppSettings/defaultResourceSpec/instanceType",
        from: "ml.t3.medium",
        to: "ml.t3.large",
      },
    ]);
  });

  it("RStudio AccessStatus filled by the server does not flap (terraform-provider-aws#35382)", () => {
    const observed = {
      RStudioServerProAppSettings: { AccessStatus: "ENABLED" as const, UserGroup: "R_STUDIO_USER" as const },
    };
    expect(drift({ rStudioServerProAppSettings: { userGroup: "R_STUDIO_USER" } }, observed).drifted).toBe(false);
    // Repairing the user group keeps the server's AccessStatus instead of resetting it.
    const r = drift({ rStudioServerProAppSettings: { userGroup: "R_STUDIO_ADMIN" } }, observed);
    expect(r.fields).toEqual(["/userSettings/rStudioServerProAppSettings/userGroup"]);
    expect(r.updateRequest?.UserSettings).toEqual({
      RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" },
    });
  });

  it("a declared `{}` block declares nothing and never drifts", () => {
    expect(drift({ canvasAppSettings: {} }, {}).drifted).toBe(false);
    expect(
      drift({ canvasAppSettings: {} }, { CanvasAppSettings: { KendraSettings: { Status: "ENABLED" } } }).drifted,
    ).toBe(false);
  });

  it("null in the spec means not declared", () => {
    const withNull = { executionRole: null, studioWebPortal: "ENABLED" } as unknown as SpecUserSettings;
    const r = drift(withNull, { ExecutionRole: ROLE, StudioWebPortal: "ENABLED" });
    expect(r.drifted).toBe(false);
  });

  it("a spec without userSettings manages no settings at all", () => {
    const r = computeDrift(spec(), NAME, described({ ExecutionRole: ROLE, SecurityGroups: ["sg-1"] }));
    expect(r.drifted).toBe(false);
  });

  it("members the model does not know (a newer API answer) are ignored", () => {
    const observed = { ExecutionRole: ROLE, BrandNewSetting: { Foo: 1 } } as Parameters<typeof described>[0];
    expect(drift({ executionRole: ROLE }, observed).drifted).toBe(false);
  });

  it("a declared field SageMaker does not have drifts (observed block missing entirely)", () => {
    const r = drift(
      { sharingSettings: { notebookOutputOption: "Allowed", s3OutputPath: "s3://b/p/" } },
      { ExecutionRole: ROLE },
    );
    expect(r.fields).toEqual([
      "/userSettings/sharingSettings/notebookOutputOption",
      "/userSettings/sharingSettings/s3OutputPath",
    ]);
    expect(r.changes.map((c) => c.from)).toEqual([undefined, undefined]);
    expect(r.blocks).toEqual(["sharingSettings"]);
  });
});

describe("rule: lists of strings and enums compare as sets", () => {
  it("permuted order and repetition never drift (security groups, lifecycle ARNs, hidden types, EMR roles, aliases)", () => {
    const r = drift(
      {
        securityGroups: ["sg-1", "sg-2", "sg-3"],
        kernelGatewayAppSettings: { lifecycleConfigArns: [lcc("a"), lcc("b")] },
        jupyterLabAppSettings: {
          lifecycleConfigArns: [lcc("x"), lcc("y")],
          emrSettings: { assumableRoleArns: [`${ROLE}1`, `${ROLE}2`], executionRoleArns: [`${ROLE}3`, `${ROLE}4`] },
        },
        studioWebPortalSettings: {
          hiddenAppTypes: ["JupyterServer", "Canvas", "JupyterServer"],
          hiddenInstanceTypes: ["ml.t3.medium", "ml.g5.xlarge"],
          hiddenMlTools: ["AutoMl", "Comet"],
          hiddenSageMakerImageVersionAliases: [
            { sageMakerImageName: "sagemaker_distribution", versionAliases: ["1.*", "2.*"] },
          ],
        },
      },
      {
        SecurityGroups: ["sg-3", "sg-1", "sg-2"],
        KernelGatewayAppSettings: { LifecycleConfigArns: [lcc("b"), lcc("a")] },
        JupyterLabAppSettings: {
          LifecycleConfigArns: [lcc("y"), lcc("x")],
          EmrSettings: { AssumableRoleArns: [`${ROLE}2`, `${ROLE}1`], ExecutionRoleArns: [`${ROLE}4`, `${ROLE}3`] },
        },
        StudioWebPortalSettings: {
          HiddenAppTypes: ["Canvas", "JupyterServer"],
          HiddenInstanceTypes: ["ml.g5.xlarge", "ml.t3.medium"],
          HiddenMlTools: ["Comet", "AutoMl"],
          HiddenSageMakerImageVersionAliases: [
            { SageMakerImageName: "sagemaker_distribution", VersionAliases: ["2.*", "1.*"] },
          ],
        },
      },
    );
    expect(r.drifted).toBe(false);
    expect(r.patch).toEqual([]);
  });

  it("a different set drifts as one whole-list field, replaced by the declared list", () => {
    const r = drift(
      { kernelGatewayAppSettings: { lifecycleConfigArns: [lcc("a"), lcc("b")] } },
      { KernelGatewayAppSettings: { LifecycleConfigArns: [lcc("a"), lcc("c")] } },
    );
    expect(r.fields).toEqual(["/userSettings/kernelGatewayAppSettings/lifecycleConfigArns"]);
    expect(r.patch).toEqual([
      {
        op: "replace",
        path: "/userSettings/kernelGatewayAppSettings/lifecycleConfigArns",
        value: [lcc("a"), lcc("b")],
      },
    ]);
  });
});

describe("rule: [] in the spec means clear it", () => {
  it("observed non-empty drifts and [] is sent as []", () => {
    const r = drift(
      { securityGroups: [], jupyterServerAppSettings: { lifecycleConfigArns: [] } },
      {
        SecurityGroups: ["sg-1"],
        JupyterServerAppSettings: { LifecycleConfigArns: [lcc("a")], DefaultResourceSpec: { InstanceType: "system" } },
      },
    );
    expect(r.fields).toEqual([
      "/userSettings/jupyterServerAppSettings/lifecycleConfigArns",
      "/userSettings/securityGroups",
    ]);
    expect(r.patch).toContainEqual({ op: "replace", path: "/userSettings/securityGroups", value: [] });
    expect(r.updateRequest?.UserSettings).toEqual({
      SecurityGroups: [],
      JupyterServerAppSettings: { LifecycleConfigArns: [], DefaultResourceSpec: { InstanceType: "system" } },
    });
  });

  it("observed missing or empty is already clear: no drift", () => {
    expect(drift({ securityGroups: [], kernelGatewayAppSettings: { customImages: [] } }, {}).drifted).toBe(false);
    expect(
      drift(
        { securityGroups: [], kernelGatewayAppSettings: { customImages: [] } },
        { SecurityGroups: [], KernelGatewayAppSettings: { CustomImages: [] } },
      ).drifted,
    ).toBe(false);
  });

  it("clearing a list of structures drifts the whole list", () => {
    const r = drift(
      { kernelGatewayAppSettings: { customImages: [] } },
      { KernelGatewayAppSettings: { CustomImages: [{ ImageName: "img", AppImageConfigName: "cfg" }] } },
    );
    expect(r.fields).toEqual(["/userSettings/kernelGatewayAppSettings/customImages"]);
    expect(r.updateRequest?.UserSettings).toEqual({ KernelGatewayAppSettings: { CustomImages: [] } });
  });
});

describe("rule: lists of structures compare keyed and order-insensitive", () => {
  const images = [
    { imageName: "a", appImageConfigName: "cfg-a", imageVersionNumber: 1 },
    { imageName: "b", appImageConfigName: "cfg-b", imageVersionNumber: 2 },
  ];
  const observedImages = [
    { ImageName: "b", AppImageConfigName: "cfg-b", ImageVersionNumber: 2 },
    { ImageName: "a", AppImageConfigName: "cfg-a", ImageVersionNumber: 1 },
  ];

  it("permuted order of every keyed list never drifts", () => {
    const r = drift(
      {
        kernelGatewayAppSettings: { customImages: images },
        jupyterLabAppSettings: {
          codeRepositories: [{ repositoryUrl: "https://g/x.git" }, { repositoryUrl: "https://g/y.git" }],
        },
        customFileSystemConfigs: [
          { eFSFileSystemConfig: { fileSystemId: "fs-1", fileSystemPath: "/a" } },
          { fSxLustreFileSystemConfig: { fileSystemId: "fs-1" } },
          { s3FileSystemConfig: { s3Uri: "s3://b/p/", mountPath: "/mnt/s3" } },
        ],
        canvasAppSettings: {
          identityProviderOAuthSettings: [
            { dataSourceName: "Snowflake", status: "ENABLED" },
            { dataSourceName: "SalesforceGenie", status: "DISABLED" },
          ],
        },
      },
      {
        KernelGatewayAppSettings: { CustomImages: observedImages },
        JupyterLabAppSettings: {
          CodeRepositories: [{ RepositoryUrl: "https://g/y.git" }, { RepositoryUrl: "https://g/x.git" }],
        },
        CustomFileSystemConfigs: [
          { S3FileSystemConfig: { S3Uri: "s3://b/p/", MountPath: "/mnt/s3" } },
          { FSxLustreFileSystemConfig: { FileSystemId: "fs-1" } },
          { EFSFileSystemConfig: { FileSystemId: "fs-1", FileSystemPath: "/a" } },
        ],
        CanvasAppSettings: {
          IdentityProviderOAuthSettings: [
            { DataSourceName: "SalesforceGenie", Status: "DISABLED", SecretArn: SECRET },
            { DataSourceName: "Snowflake", Status: "ENABLED", SecretArn: SECRET },
          ],
        },
      },
    );
    expect(r.drifted).toBe(false);
  });

  it("a changed element drifts at its field, indexed as in the spec", () => {
    const r = drift(
      { kernelGatewayAppSettings: { customImages: images } },
      {
        KernelGatewayAppSettings: {
          CustomImages: [
            observedImages[0] as (typeof observedImages)[0],
            { ImageName: "a", AppImageConfigName: "cfg-a", ImageVersionNumber: 7 },
          ],
        },
      },
    );
    expect(r.changes).toEqual([
      { path: "/userSettings/kernelGatewayAppSettings/customImages/0/imageVersionNumber", from: 7, to: 1 },
    ]);
    expect(r.patch).toEqual([
      { op: "replace", path: "/userSettings/kernelGatewayAppSettings/customImages/0/imageVersionNumber", value: 1 },
    ]);
  });

  it("a missing, extra or re-keyed element drifts the whole list", () => {
    const missing = drift(
      { kernelGatewayAppSettings: { customImages: images } },
      { KernelGatewayAppSettings: { CustomImages: observedImages.slice(0, 1) } },
    );
    expect(missing.fields).toEqual(["/userSettings/kernelGatewayAppSettings/customImages"]);
    const extra = drift(
      { kernelGatewayAppSettings: { customImages: images.slice(0, 1) } },
      { KernelGatewayAppSettings: { CustomImages: observedImages } },
    );
    expect(extra.fields).toEqual(["/userSettings/kernelGatewayAppSettings/customImages"]);
    expect(extra.patch).toEqual([
      { op: "replace", path: "/userSettings/kernelGatewayAppSettings/customImages", value: images.slice(0, 1) },
    ]);
    // Same file system id, other union member: another file system, not the declared one.
    const union = drift(
      { customFileSystemConfigs: [{ eFSFileSystemConfig: { fileSystemId: "fs-1" } }] },
      { CustomFileSystemConfigs: [{ FSxLustreFileSystemConfig: { FileSystemId: "fs-1" } }] },
    );
    expect(union.fields).toEqual(["/userSettings/customFileSystemConfigs"]);
  });

  it("an element compares only its declared fields (server-filled SecretArn, undeclared image version)", () => {
    const r = drift(
      {
        canvasAppSettings: { identityProviderOAuthSettings: [{ dataSourceName: "Snowflake", status: "ENABLED" }] },
        jupyterLabAppSettings: { customImages: [{ imageName: "a", appImageConfigName: "cfg-a" }] },
      },
      {
        CanvasAppSettings: {
          IdentityProviderOAuthSettings: [{ DataSourceName: "Snowflake", Status: "ENABLED", SecretArn: SECRET }],
        },
        JupyterLabAppSettings: {
          CustomImages: [{ ImageName: "a", AppImageConfigName: "cfg-a", ImageVersionNumber: 3 }],
        },
      },
    );
    expect(r.drifted).toBe(false);
  });

  it("an element without its key is known by its declared fields", () => {
    const desired = { canvasAppSettings: { identityProviderOAuthSettings: [{ status: "ENABLED" as const }] } };
    const same = drift(desired, {
      CanvasAppSettings: { IdentityProviderOAuthSettings: [{ DataSourceName: "Snowflake", Status: "ENABLED" }] },
    });
    expect(same.drifted).toBe(false);
    const other = drift(desired, {
      CanvasAppSettings: { IdentityProviderOAuthSettings: [{ DataSourceName: "Snowflake", Status: "DISABLED" }] },
    });
    expect(other.fields).toEqual(["/userSettings/canvasAppSettings/identityProviderOAuthSettings"]);
  });

  it("a nested set inside a keyed element compares as a set", () => {
    const desired: SpecUserSettings = {
      studioWebPortalSettings: {
        hiddenSageMakerImageVersionAliases: [
          { sageMakerImageName: "sagemaker_distribution", versionAliases: ["1.*", "2.*"] },
        ],
      },
    };
    const r = drift(desired, {
      StudioWebPortalSettings: {
        HiddenSageMakerImageVersionAliases: [{ SageMakerImageName: "sagemaker_distribution", VersionAliases: ["2.*"] }],
      },
    });
    expect(r.fields).toEqual([
      "/userSettings/studioWebPortalSettings/hiddenSageMakerImageVersionAliases/0/versionAliases",
    ]);
  });
});

describe("rule: security groups net of the domain's groups", () => {
  const domainSecurityGroups = ["sg-domain-default", "sg-nfs-managed"];

  it("Describe aggregating the domain's default and SageMaker-managed NFS groups does not drift", () => {
    const observed = { SecurityGroups: ["sg-domain-default", "sg-own-1", "sg-nfs-managed", "sg-own-2"] };
    const desired = { securityGroups: ["sg-own-2", "sg-own-1"] };
    expect(drift(desired, observed, { domainSecurityGroups }).drifted).toBe(false);
    // Without knowing the domain's groups, the extra groups look like the profile's own: drift.
    expect(drift(desired, observed).fields).toEqual(["/userSettings/securityGroups"]);
  });

  it("a declared group missing from observed drifts, even when it is also a domain group", () => {
    expect(
      drift(
        { securityGroups: ["sg-own-1", "sg-own-3"] },
        { SecurityGroups: ["sg-own-1", "sg-domain-default"] },
        {
          domainSecurityGroups,
        },
      ).changes,
    ).toEqual([{ path: "/userSettings/securityGroups", from: ["sg-own-1"], to: ["sg-own-1", "sg-own-3"] }]);
    expect(
      drift(
        { securityGroups: ["sg-own-1", "sg-domain-default"] },
        { SecurityGroups: ["sg-own-1", "sg-nfs-managed"] },
        {
          domainSecurityGroups,
        },
      ).drifted,
    ).toBe(true);
    expect(
      drift(
        { securityGroups: ["sg-own-1", "sg-domain-default"] },
        { SecurityGroups: ["sg-domain-default", "sg-own-1"] },
        {
          domainSecurityGroups,
        },
      ).drifted,
    ).toBe(false);
  });

  it("an undeclared group that is not the domain's drifts; the declared set is what is sent", () => {
    const r = drift(
      { securityGroups: ["sg-own-1"] },
      { SecurityGroups: ["sg-own-1", "sg-console-added", "sg-nfs-managed"] },
      { domainSecurityGroups },
    );
    expect(r.changes).toEqual([
      { path: "/userSettings/securityGroups", from: ["sg-own-1", "sg-console-added"], to: ["sg-own-1"] },
    ]);
    expect(r.updateRequest?.UserSettings).toEqual({ SecurityGroups: ["sg-own-1"] });
  });

  it("[] with only the domain's groups observed is already clear", () => {
    expect(
      drift({ securityGroups: [] }, { SecurityGroups: ["sg-nfs-managed"] }, { domainSecurityGroups }).drifted,
    ).toBe(false);
  });

  it("domain groups are ignored only for SecurityGroups, not for other lists with the same values", () => {
    const r = drift(
      { kernelGatewayAppSettings: { lifecycleConfigArns: [] } },
      { KernelGatewayAppSettings: { LifecycleConfigArns: ["sg-nfs-managed"] } },
      { domainSecurityGroups: ["sg-nfs-managed"] },
    );
    expect(r.drifted).toBe(true);
  });
});
