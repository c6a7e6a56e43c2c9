/**
 * Members SageMaker checks together (src/drift/member-groups.ts), as the emulator applies them to CreateUserProfile,
 * UpdateUserProfile and the settings an update would leave, through the real SDK.
 */
import {
  CreateUserProfileCommand,
  DescribeUserProfileCommand,
  type SageMakerClient,
  UpdateUserProfileCommand,
  type UserSettings,
} from "@aws-sdk/client-sagemaker";
import type { SageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { gateUpdate } from "@sagemaker-profile-operator/local-stack/sagemaker/member-groups";
import { afterEach, describe, expect, it } from "vitest";
import type { UserSettings as Settings } from "../../../src/api/generated/sagemaker-shapes.js";
import { DOMAIN, emulatorWithDomain, rejection } from "./helpers.js";

let emu: SageMakerEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup() {
  const started = await emulatorWithDomain();
  emu = started.emu;
  return started;
}

const create = (sm: SageMakerClient, name: string, settings?: UserSettings) =>
  sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name, UserSettings: settings }));
const update = (sm: SageMakerClient, name: string, settings?: UserSettings) =>
  sm.send(new UpdateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name, UserSettings: settings }));
const settingsOf = async (sm: SageMakerClient, name: string) =>
  (await sm.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name }))).UserSettings;
const arnOf = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:user-profile/${DOMAIN}/${name}`;

const IMG = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:image/${n}`;
const VER = (n: string, v: number) => `arn:aws:sagemaker:us-east-1:123456789012:image-version/${n}/${v}`;

describe("RStudio: a UserGroup needs AccessStatus ENABLED (terraform-provider-aws#33034)", () => {
  it("refuses DISABLED with a UserGroup on create and on update, in SageMaker's words, and changes nothing", async () => {
    const { sm } = await setup();
    const created = await rejection(
      create(sm, "rs", { RStudioServerProAppSettings: { AccessStatus: "DISABLED", UserGroup: "R_STUDIO_USER" } }),
    );
    expect(created.name).toBe("ValidationException");
    expect(created.message).toBe(
      `Unable to create UserProfile [${arnOf("rs")}] with RStudioServerProAppSettings. Make sure AccessStatus is set to ENABLED if UserGroup is specified.`,
    );

    await create(sm, "rs", { RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" } });
    // What a client that lays the spec over the described block sends: refused.
    const updated = await rejection(
      update(sm, "rs", { RStudioServerProAppSettings: { AccessStatus: "DISABLED", UserGroup: "R_STUDIO_ADMIN" } }),
    );
    expect(updated.name).toBe("ValidationException");
    expect(updated.message).toBe(
      `Unable to update UserProfile [${arnOf("rs")}] with update to RStudioServerProAppSettings. Make sure AccessStatus is set to ENABLED if UserGroup is specified.`,
    );
    expect(emu?.store.getProfile(DOMAIN, "rs")?.userSettings.RStudioServerProAppSettings).toEqual({
      AccessStatus: "ENABLED",
      UserGroup: "R_STUDIO_ADMIN",
    });
  });

  it("refuses a UserGroup without AccessStatus, accepts DISABLED alone", async () => {
    const { sm } = await setup();
    await create(sm, "rs", { RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" } });
    const alone = await rejection(update(sm, "rs", { RStudioServerProAppSettings: { UserGroup: "R_STUDIO_USER" } }));
    expect(alone.name).toBe("ValidationException");
    await update(sm, "rs", { RStudioServerProAppSettings: { AccessStatus: "DISABLED" } });
    expect(emu?.store.getProfile(DOMAIN, "rs")?.userSettings.RStudioServerProAppSettings).toEqual({
      AccessStatus: "DISABLED",
    });
  });
});

describe("ResourceSpec: a new SageMakerImageArn with a version of another image", () => {
  const APPS = [
    ["JupyterServerAppSettings", "jupyterServerAppSettings"],
    ["KernelGatewayAppSettings", "kernelGatewayAppSettings"],
    ["TensorBoardAppSettings", "tensorBoardAppSettings"],
    ["RSessionAppSettings", "rSessionAppSettings"],
    ["CodeEditorAppSettings", "codeEditorAppSettings"],
    ["JupyterLabAppSettings", "jupyterLabAppSettings"],
  ] as const;

  it.each(APPS)(
    "%s: refused on update (SageMaker would ignore the new image), accepted with None",
    async (wire, spec) => {
      const { sm } = await setup();
      const spec1 = { DefaultResourceSpec: { SageMakerImageArn: IMG("old"), SageMakerImageVersionArn: VER("old", 3) } };
      await create(sm, "img", { [wire]: spec1 });
      const stale = await rejection(
        update(sm, "img", {
          [wire]: { DefaultResourceSpec: { SageMakerImageArn: IMG("new"), SageMakerImageVersionArn: VER("old", 3) } },
        }),
      );
      expect(stale.name).toBe("ValidationException");
      expect(stale.message).toBe(
        `Unable to update UserProfile [${arnOf("img")}]: userSettings.${spec}.defaultResourceSpec.sageMakerImageArn '${IMG("new")}' would not take effect: SageMakerImageVersionArn '${VER("old", 3)}' of another image takes precedence. Pass None as SageMakerImageVersionArn to clear it.`,
      );
      await update(sm, "img", {
        [wire]: { DefaultResourceSpec: { SageMakerImageArn: IMG("new"), SageMakerImageVersionArn: "None" } },
      });
      // "None" clears the version: SageMaker stores and describes the block without it.
      expect((await settingsOf(sm, "img"))?.[wire]).toEqual({ DefaultResourceSpec: { SageMakerImageArn: IMG("new") } });
    },
  );

  it("refuses the pair on create, accepts a version of the same image, and carries a pair it already holds", async () => {
    const { sm } = await setup();
    const mismatched = { SageMakerImageArn: IMG("b"), SageMakerImageVersionArn: VER("a", 1) };
    const refused = await rejection(
      create(sm, "img", { KernelGatewayAppSettings: { DefaultResourceSpec: mismatched } }),
    );
    expect(refused.name).toBe("ValidationException");
    await create(sm, "img", {
      KernelGatewayAppSettings: {
        DefaultResourceSpec: { SageMakerImageArn: IMG("a"), SageMakerImageVersionArn: VER("a", 2) },
      },
    });
    // A pair set out of band (SageMaker accepts it and uses the version): an update that keeps it is not refused.
    emu?.admin.setProfile(DOMAIN, "img", {
      userSettings: { KernelGatewayAppSettings: { DefaultResourceSpec: mismatched } },
    });
    await update(sm, "img", {
      KernelGatewayAppSettings: { DefaultResourceSpec: { ...mismatched, InstanceType: "ml.t3.large" } },
    });
    expect((await settingsOf(sm, "img"))?.KernelGatewayAppSettings?.DefaultResourceSpec?.InstanceType).toBe(
      "ml.t3.large",
    );
  });
});

describe("DefaultLandingUri studio:: needs StudioWebPortal ENABLED (API reference, UserSettings)", () => {
  it("refuses both in one request, and an update that would leave them so in the blocks it carries", async () => {
    const { sm } = await setup();
    const both = await rejection(create(sm, "lp", { StudioWebPortal: "DISABLED", DefaultLandingUri: "studio::" }));
    expect(both.name).toBe("ValidationException");
    expect(both.message).toBe(
      `Unable to create UserProfile [${arnOf("lp")}]: DefaultLandingUri studio:: can only be set when StudioWebPortal is ENABLED.`,
    );
    await create(sm, "lp", { DefaultLandingUri: "studio::" });
    // The request alone is fine; the settings it would leave are not.
    const disabling = await rejection(update(sm, "lp", { StudioWebPortal: "DISABLED" }));
    expect(disabling.name).toBe("ValidationException");
    await update(sm, "lp", { StudioWebPortal: "DISABLED", DefaultLandingUri: "app:JupyterServer:" });
    expect(await settingsOf(sm, "lp")).toMatchObject({
      StudioWebPortal: "DISABLED",
      DefaultLandingUri: "app:JupyterServer:",
    });
  });

  it("does not refuse an update of other blocks because of settings stored before", async () => {
    const { sm } = await setup();
    await create(sm, "lp", {});
    emu?.admin.setProfile(DOMAIN, "lp", {
      userSettings: { StudioWebPortal: "DISABLED", DefaultLandingUri: "studio::" },
    });
    await update(sm, "lp", { ExecutionRole: "arn:aws:iam::123456789012:role/other" });
    expect((await settingsOf(sm, "lp"))?.ExecutionRole).toBe("arn:aws:iam::123456789012:role/other");
  });
});

describe("JupyterServerAppSettings: LifecycleConfigArns needs a DefaultResourceSpec (API reference)", () => {
  it("refuses the list alone, accepts it with a DefaultResourceSpec", async () => {
    const { sm } = await setup();
    const lcc = "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/x";
    const alone = await rejection(create(sm, "j", { JupyterServerAppSettings: { LifecycleConfigArns: [lcc] } }));
    expect(alone.name).toBe("ValidationException");
    expect(alone.message).toBe(
      `Unable to create UserProfile [${arnOf("j")}]: userSettings.jupyterServerAppSettings.defaultResourceSpec is required when LifecycleConfigArns is used.`,
    );
    await create(sm, "j", {
      JupyterServerAppSettings: { LifecycleConfigArns: [lcc], DefaultResourceSpec: { InstanceType: "system" } },
    });
    const dropped = await rejection(update(sm, "j", { JupyterServerAppSettings: { LifecycleConfigArns: [] } }));
    expect(dropped.name).toBe("ValidationException");
  });
});

describe("the settings an update would leave, when it keeps stored nested members (an update mode that merges)", () => {
  // gateUpdate sees the merged settings whatever the merge; here a merge that keeps what the request leaves out.
  const gate = gateUpdate(arnOf("m"));

  it("RStudio: DISABLED sent alone over a stored UserGroup is accepted (terraform-provider-aws#33034's fix)", () => {
    const before: Settings = {
      RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" },
    };
    const request: Settings = { RStudioServerProAppSettings: { AccessStatus: "DISABLED" } };
    const merged: Settings = {
      RStudioServerProAppSettings: { AccessStatus: "DISABLED", UserGroup: "R_STUDIO_ADMIN" },
    };
    expect(gate(merged, before, request)).toEqual(merged);
  });

  it("ResourceSpec: a new image over a stored version of the old one is refused unless the request sends None", () => {
    const before: Settings = {
      JupyterLabAppSettings: {
        DefaultResourceSpec: { SageMakerImageArn: IMG("old"), SageMakerImageVersionArn: VER("old", 3) },
      },
    };
    const kept: Settings = {
      JupyterLabAppSettings: {
        DefaultResourceSpec: { SageMakerImageArn: IMG("new"), SageMakerImageVersionArn: VER("old", 3) },
      },
    };
    const request: Settings = { JupyterLabAppSettings: { DefaultResourceSpec: { SageMakerImageArn: IMG("new") } } };
    expect(() => gate(kept, before, request)).toThrow(/would not take effect/);
    const cleared: Settings = {
      JupyterLabAppSettings: {
        DefaultResourceSpec: { SageMakerImageArn: IMG("new"), SageMakerImageVersionArn: "None" },
      },
    };
    expect(gate(cleared, before, cleared)).toEqual({
      JupyterLabAppSettings: { DefaultResourceSpec: { SageMakerImageArn: IMG("new") } },
    });
  });
});

it("checks the model first: a bad enum value is reported as such, not as a member group", async () => {
  const { sm } = await setup();
  const err = await rejection(
    create(sm, "m", { RStudioServerProAppSettings: { AccessStatus: "OFF" as "DISABLED", UserGroup: "R_STUDIO_USER" } }),
  );
  expect(err.message).toMatch(
    /^1 validation error detected: Value 'OFF' at 'userSettings.rStudioServerProAppSettings.accessStatus'/,
  );
});
