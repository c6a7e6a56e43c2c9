/** Members SageMaker checks together: what the update request leaves out, group by group. */
import { describe, expect, it } from "vitest";
import type { DescribeUserProfileResponse, UserSettings } from "../../src/api/generated/sagemaker-shapes.js";
import { shape, specName } from "../../src/api/model.js";
import type { SpecUserSettings } from "../../src/api/types.js";
import { buildCreateRequest, computeDrift } from "../../src/drift/index.js";
import { MEMBER_GROUPS, placesOf } from "../../src/drift/member-groups.js";
import { userSettingsMembers } from "../../src/drift/shapes.js";
import { described, NAME, spec } from "./fixtures.js";

const drift = (desired: SpecUserSettings, observed: UserSettings) =>
  computeDrift(spec(desired), NAME, described(observed));

const IMG = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:image/${n}`;
const VER = (n: string, v: number) => `arn:aws:sagemaker:us-east-1:123456789012:image-version/${n}/${v}`;

/** The UserSettings members whose block has a DefaultResourceSpec, from the model. */
const APPS_WITH_RESOURCE_SPEC = userSettingsMembers().filter((m) => {
  const s = shape(m.shape);
  return s.type === "structure" && s.members?.DefaultResourceSpec?.shape === "ResourceSpec";
});

describe("the member-group table", () => {
  it("names members the model has, in the structure it names, and a source for every row", () => {
    for (const g of MEMBER_GROUPS) {
      const members = Object.keys(shape(g.shape).members ?? {});
      for (const m of g.members) expect(members, `${g.id}: ${g.shape}.${m}`).toContain(m);
      expect(g.source.length, g.id).toBeGreaterThan(20);
    }
  });

  it("finds the ResourceSpec group in the DefaultResourceSpec of every app settings block", () => {
    expect(APPS_WITH_RESOURCE_SPEC.map((m) => m.wire)).toEqual(
      expect.arrayContaining([
        "JupyterServerAppSettings",
        "KernelGatewayAppSettings",
        "TensorBoardAppSettings",
        "RSessionAppSettings",
        "CodeEditorAppSettings",
        "JupyterLabAppSettings",
      ]),
    );
    const settings = Object.fromEntries(
      APPS_WITH_RESOURCE_SPEC.map((m) => [m.wire, { DefaultResourceSpec: { InstanceType: "system" } }]),
    );
    expect(placesOf("ResourceSpec", "UserSettings", settings).map((p) => p.path.join("."))).toEqual(
      APPS_WITH_RESOURCE_SPEC.map((m) => `${m.wire}.DefaultResourceSpec`),
    );
  });
});

describe("RStudio: AccessStatus DISABLED with a UserGroup (terraform-provider-aws#33034)", () => {
  const enabledAdmin: UserSettings = {
    RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" },
  };

  it("disabling access leaves the observed UserGroup out and says so", () => {
    const r = drift({ rStudioServerProAppSettings: { accessStatus: "DISABLED" } }, enabledAdmin);
    expect(r.updateRequest?.UserSettings).toEqual({ RStudioServerProAppSettings: { AccessStatus: "DISABLED" } });
    expect(r.dropped).toEqual([
      {
        path: "/userSettings/rStudioServerProAppSettings/userGroup",
        observed: "R_STUDIO_ADMIN",
        group: "rstudio-access",
        reason: "SageMaker refuses a UserGroup unless AccessStatus is ENABLED",
      },
    ]);
  });

  it("enabling access keeps the observed UserGroup", () => {
    const r = drift(
      { rStudioServerProAppSettings: { accessStatus: "ENABLED" } },
      { RStudioServerProAppSettings: { AccessStatus: "DISABLED", UserGroup: "R_STUDIO_USER" } },
    );
    expect(r.updateRequest?.UserSettings).toEqual({
      RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_USER" },
    });
    expect(r.dropped).toEqual([]);
  });

  it("a declared UserGroup keeps the observed ENABLED; a declared DISABLED with a UserGroup sends DISABLED alone", () => {
    const kept = drift({ rStudioServerProAppSettings: { userGroup: "R_STUDIO_USER" } }, enabledAdmin);
    expect(kept.updateRequest?.UserSettings).toEqual({
      RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_USER" },
    });
    // SageMaker refuses the pair; the declared group is inert (not sent, not compared) and reported as such.
    const own = drift({ rStudioServerProAppSettings: { accessStatus: "DISABLED", userGroup: "R_STUDIO_USER" } }, {});
    expect(own.updateRequest?.UserSettings).toEqual({ RStudioServerProAppSettings: { AccessStatus: "DISABLED" } });
    expect(own.dropped).toMatchObject([
      {
        path: "/userSettings/rStudioServerProAppSettings/userGroup",
        declared: "R_STUDIO_USER",
        group: "rstudio-access",
      },
    ]);
  });
});

describe("ResourceSpec: SageMakerImageArn, SageMakerImageVersionArn, SageMakerImageVersionAlias", () => {
  it.each(APPS_WITH_RESOURCE_SPEC.map((m) => [m.wire, m.spec]))(
    "%s: a new image leaves the previous image's version out (sent as None), the instance type stays",
    (wire, field) => {
      const r = drift(
        { [field]: { defaultResourceSpec: { sageMakerImageArn: IMG("new") } } } as SpecUserSettings,
        {
          [wire]: {
            DefaultResourceSpec: {
              InstanceType: "ml.t3.medium",
              SageMakerImageArn: IMG("old"),
              SageMakerImageVersionArn: VER("old", 3),
            },
          },
        } as UserSettings,
      );
      expect(r.updateRequest?.UserSettings).toEqual({
        [wire]: {
          DefaultResourceSpec: {
            InstanceType: "ml.t3.medium",
            SageMakerImageArn: IMG("new"),
            SageMakerImageVersionArn: "None",
          },
        },
      });
      expect(r.dropped).toEqual([
        expect.objectContaining({
          path: `/userSettings/${field}/defaultResourceSpec/sageMakerImageVersionArn`,
          observed: VER("old", 3),
          sent: "None",
          group: "resource-spec-image",
        }),
      ]);
    },
  );

  it("a new image leaves the previous image's version alias out", () => {
    const r = drift(
      { jupyterLabAppSettings: { defaultResourceSpec: { sageMakerImageArn: IMG("new") } } },
      {
        JupyterLabAppSettings: {
          DefaultResourceSpec: { SageMakerImageArn: IMG("old"), SageMakerImageVersionAlias: "2.6" },
        },
      },
    );
    expect(r.updateRequest?.UserSettings).toEqual({
      JupyterLabAppSettings: { DefaultResourceSpec: { SageMakerImageArn: IMG("new") } },
    });
    expect(r.dropped.map((d) => [d.path, d.sent])).toEqual([
      ["/userSettings/jupyterLabAppSettings/defaultResourceSpec/sageMakerImageVersionAlias", undefined],
    ]);
  });

  it("a declared alias clears the pinned version ARN and keeps the image", () => {
    const r = drift(
      { codeEditorAppSettings: { defaultResourceSpec: { sageMakerImageVersionAlias: "2.6" } } },
      {
        CodeEditorAppSettings: {
          DefaultResourceSpec: { SageMakerImageArn: IMG("a"), SageMakerImageVersionArn: VER("a", 1) },
        },
      },
    );
    expect(r.updateRequest?.UserSettings).toEqual({
      CodeEditorAppSettings: {
        DefaultResourceSpec: {
          SageMakerImageArn: IMG("a"),
          SageMakerImageVersionArn: "None",
          SageMakerImageVersionAlias: "2.6",
        },
      },
    });
  });

  it("a declared version ARN leaves the alias out, and the image only when it is another one", () => {
    const same = drift(
      { kernelGatewayAppSettings: { defaultResourceSpec: { sageMakerImageVersionArn: VER("a", 2) } } },
      {
        KernelGatewayAppSettings: {
          DefaultResourceSpec: { SageMakerImageArn: IMG("a"), SageMakerImageVersionAlias: "1.0" },
        },
      },
    );
    expect(same.updateRequest?.UserSettings).toEqual({
      KernelGatewayAppSettings: {
        DefaultResourceSpec: { SageMakerImageArn: IMG("a"), SageMakerImageVersionArn: VER("a", 2) },
      },
    });
    const other = drift(
      { kernelGatewayAppSettings: { defaultResourceSpec: { sageMakerImageVersionArn: VER("b", 1) } } },
      { KernelGatewayAppSettings: { DefaultResourceSpec: { SageMakerImageArn: IMG("a") } } },
    );
    expect(other.updateRequest?.UserSettings).toEqual({
      KernelGatewayAppSettings: { DefaultResourceSpec: { SageMakerImageVersionArn: VER("b", 1) } },
    });
    expect(other.dropped.map((d) => d.path)).toEqual([
      "/userSettings/kernelGatewayAppSettings/defaultResourceSpec/sageMakerImageArn",
    ]);
  });

  it("an unchanged image keeps its pinned version, even one SageMaker resolves by precedence", () => {
    for (const pinned of [VER("a", 4), VER("b", 1)]) {
      const r = drift(
        { jupyterServerAppSettings: { defaultResourceSpec: { sageMakerImageArn: IMG("a"), instanceType: "system" } } },
        {
          JupyterServerAppSettings: {
            DefaultResourceSpec: { SageMakerImageArn: IMG("a"), SageMakerImageVersionArn: pinned },
          },
        },
      );
      expect(r.updateRequest?.UserSettings).toEqual({
        JupyterServerAppSettings: {
          DefaultResourceSpec: {
            SageMakerImageArn: IMG("a"),
            SageMakerImageVersionArn: pinned,
            InstanceType: "system",
          },
        },
      });
      expect(r.dropped).toEqual([]);
    }
  });

  it("a spec that declares none of the group carries the observed image selection as it is", () => {
    const observed = { DefaultResourceSpec: { SageMakerImageArn: IMG("a"), SageMakerImageVersionArn: VER("a", 1) } };
    const r = drift(
      { tensorBoardAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } } },
      { TensorBoardAppSettings: observed },
    );
    expect(r.updateRequest?.UserSettings).toEqual({
      TensorBoardAppSettings: { DefaultResourceSpec: { ...observed.DefaultResourceSpec, InstanceType: "ml.t3.large" } },
    });
    expect(r.dropped).toEqual([]);
  });
});

it("names every dropped path in spec form", () => {
  const r = drift(
    { rSessionAppSettings: { defaultResourceSpec: { sageMakerImageArn: IMG("new") } } },
    {
      RSessionAppSettings: {
        DefaultResourceSpec: { SageMakerImageArn: IMG("old"), SageMakerImageVersionArn: VER("old", 1) },
      },
    },
  );
  for (const d of r.dropped) for (const segment of d.path.split("/").slice(1)) expect(segment).toBe(specName(segment));
});

describe("a declared combination SageMaker does not take (inert members)", () => {
  const rstudioSpec = (rstudio: Record<string, unknown>) => ({
    domainId: "d-demo00000001",
    userSettings: { rStudioServerProAppSettings: rstudio },
  });
  const describedWith = (rstudio: Record<string, unknown> | undefined) =>
    ({
      DomainId: "d-demo00000001",
      UserProfileName: "u",
      Status: "InService",
      UserSettings: rstudio ? { RStudioServerProAppSettings: rstudio } : {},
    }) as DescribeUserProfileResponse;

  it("RStudio DISABLED with a userGroup: the group is neither compared nor sent, and is reported", () => {
    const s = rstudioSpec({ accessStatus: "DISABLED", userGroup: "R_STUDIO_ADMIN" });
    // SageMaker keeps the stored group (Terraform's domain test) or omits it: in sync either way.
    for (const observed of [{ AccessStatus: "DISABLED", UserGroup: "R_STUDIO_ADMIN" }, { AccessStatus: "DISABLED" }]) {
      const d = computeDrift(s, "u", describedWith(observed));
      expect(d.drifted).toBe(false);
      expect(d.dropped).toMatchObject([
        { path: "/userSettings/rStudioServerProAppSettings/userGroup", declared: "R_STUDIO_ADMIN" },
      ]);
    }
    const d = computeDrift(s, "u", describedWith({ AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" }));
    expect(d.updateRequest?.UserSettings?.RStudioServerProAppSettings).toEqual({ AccessStatus: "DISABLED" });
    expect(buildCreateRequest(s, "u", "c/ns/u").UserSettings?.RStudioServerProAppSettings).toEqual({
      AccessStatus: "DISABLED",
    });
  });

  it("RStudio ENABLED with a userGroup is managed as declared", () => {
    const d = computeDrift(
      rstudioSpec({ accessStatus: "ENABLED", userGroup: "R_STUDIO_ADMIN" }),
      "u",
      describedWith({ AccessStatus: "ENABLED", UserGroup: "R_STUDIO_USER" }),
    );
    expect(d.fields).toEqual(["/userSettings/rStudioServerProAppSettings/userGroup"]);
    expect(d.dropped).toEqual([]);
  });
});

describe("inert and stale on one member", () => {
  it("reports the member once, as declared, and sends DISABLED alone", () => {
    const d = computeDrift(
      {
        domainId: "d-demo00000001",
        userSettings: { rStudioServerProAppSettings: { accessStatus: "DISABLED", userGroup: "R_STUDIO_ADMIN" } },
      },
      "u",
      {
        DomainId: "d-demo00000001",
        UserProfileName: "u",
        Status: "InService",
        UserSettings: { RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" } },
      } as DescribeUserProfileResponse,
    );
    expect(d.dropped).toHaveLength(1);
    expect(d.dropped[0]).toMatchObject({ declared: "R_STUDIO_ADMIN" });
    expect(d.updateRequest?.UserSettings).toEqual({ RStudioServerProAppSettings: { AccessStatus: "DISABLED" } });
  });
});
