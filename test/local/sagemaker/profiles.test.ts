/** Profile behaviour the operator depends on: validation, life cycle, in-use rules, merge, defaults, SG aggregation. */
import {
  CreateUserProfileCommand,
  DeleteUserProfileCommand,
  DescribeUserProfileCommand,
  type SageMakerClient,
  UpdateUserProfileCommand,
  type UserSettings,
} from "@aws-sdk/client-sagemaker";
import type { SageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterEach, describe, expect, it } from "vitest";
import { clientFor, DOMAIN, emulatorWithDomain, manualClock, ROLE, rejection } from "./helpers.js";

let emu: SageMakerEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup(options: Parameters<typeof emulatorWithDomain>[0] = {}) {
  const started = await emulatorWithDomain(options);
  emu = started.emu;
  return started;
}

const create = (sm: SageMakerClient, name: string, settings?: UserSettings) =>
  sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name, UserSettings: settings }));
const update = (sm: SageMakerClient, name: string, settings?: UserSettings) =>
  sm.send(new UpdateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name, UserSettings: settings }));
const remove = (sm: SageMakerClient, name: string) =>
  sm.send(new DeleteUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name }));
const describeProfile = (sm: SageMakerClient, name: string) =>
  sm.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name }));

describe("validation against the model", () => {
  it("names the path of a bad enum value", async () => {
    const { sm } = await setup();
    const err = await rejection(create(sm, "a", { StudioWebPortal: "ON" as "ENABLED" }));
    expect(err.name).toBe("ValidationException");
    expect(err.message).toBe(
      "1 validation error detected: Value 'ON' at 'userSettings.studioWebPortal' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
    );
  });

  it("names the path of a nested pattern violation with AWS's 1-based list steps", async () => {
    const { sm } = await setup();
    const err = await rejection(create(sm, "a", { SecurityGroups: ["sg-1", "sg 2"] }));
    expect(err.name).toBe("ValidationException");
    expect(err.message).toContain(
      "Value 'sg 2' at 'userSettings.securityGroups.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [-0-9a-zA-Z]+",
    );
    const role = await rejection(create(sm, "a", { ExecutionRole: "not-a-role-arn-at-all" }));
    expect(role.message).toContain(
      "at 'userSettings.executionRole' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
  });

  it("refuses more than 5 security groups", async () => {
    const { sm } = await setup();
    const groups = ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"];
    const err = await rejection(update(sm, "a", { SecurityGroups: groups }));
    expect(err.name).toBe("ValidationException");
    expect(err.message).toBe(
      "1 validation error detected: Value '[sg-1, sg-2, sg-3, sg-4, sg-5, sg-6]' at 'userSettings.securityGroups' failed to satisfy constraint: Member must have length less than or equal to 5",
    );
  });

  it("refuses a name longer than 63 characters, and counts several errors", async () => {
    const { sm } = await setup();
    const err = await rejection(create(sm, "a".repeat(64), { StudioWebPortal: "ON" as "ENABLED" }));
    // 64 characters break both the length and the pattern ({0,62} after the first character).
    expect(err.message).toMatch(/^3 validation errors detected: /);
    expect(err.message).toContain(
      "at 'userProfileName' failed to satisfy constraint: Member must have length less than or equal to 63; ",
    );
    expect(err.message).toContain("; Value 'ON' at 'userSettings.studioWebPortal'");
  });

  it("refuses an unknown member (as a newer client would send it)", async () => {
    const { sm } = await setup();
    // The SDK drops members its schema does not know, so add one to the serialized request, as a newer SDK would.
    sm.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: string | Uint8Array; headers: Record<string, string> };
        const raw = typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body);
        const body = JSON.parse(raw);
        body.UserSettings = { ...body.UserSettings, NotAMember: "x" };
        request.body = JSON.stringify(body);
        request.headers["content-length"] = String(Buffer.byteLength(request.body));
        return next(args);
      },
      { step: "finalizeRequest", priority: "high" },
    );
    const err = await rejection(create(sm, "a", { StudioWebPortal: "ENABLED" }));
    expect(err.name).toBe("ValidationException");
    expect(err.message).toContain("at 'userSettings.notAMember' is not a known member");
  });

  it("validates before looking the profile up, and changes nothing on a refused call", async () => {
    const { sm } = await setup();
    await create(sm, "kept", { StudioWebPortal: "DISABLED" });
    await rejection(update(sm, "kept", { StudioWebPortal: "DISABLED", SecurityGroups: ["bad group"] }));
    expect(emu?.store.getProfile(DOMAIN, "kept")?.userSettings).toEqual({ StudioWebPortal: "DISABLED" });
  });
});

describe("ResourceNotFound", () => {
  it("for Describe, Update and Delete of a missing profile or domain", async () => {
    const { sm } = await setup();
    for (const call of [describeProfile(sm, "nobody"), update(sm, "nobody"), remove(sm, "nobody")])
      expect((await rejection(call)).name).toBe("ResourceNotFound");
    const otherDomain = await rejection(
      sm.send(new DescribeUserProfileCommand({ DomainId: "d-missing", UserProfileName: "x" })),
    );
    expect(otherDomain.name).toBe("ResourceNotFound");
  });
});

describe("life cycle", () => {
  it("moves Pending -> InService, Updating -> InService, Deleting -> gone after the configured delays", async () => {
    const clock = manualClock();
    const { sm } = await setup({ now: clock.now, delays: { createMs: 30_000, updateMs: 10_000, deleteMs: 20_000 } });
    await create(sm, "p");
    expect((await describeProfile(sm, "p")).Status).toBe("Pending");
    clock.advance(29_999);
    expect((await describeProfile(sm, "p")).Status).toBe("Pending");
    clock.advance(1);
    expect((await describeProfile(sm, "p")).Status).toBe("InService");

    await update(sm, "p", { StudioWebPortal: "DISABLED" });
    const updating = await describeProfile(sm, "p");
    expect(updating.Status).toBe("Updating");
    // The new settings are visible while the update runs.
    expect(updating.UserSettings?.StudioWebPortal).toBe("DISABLED");
    clock.advance(10_000);
    expect((await describeProfile(sm, "p")).Status).toBe("InService");

    await remove(sm, "p");
    expect((await describeProfile(sm, "p")).Status).toBe("Deleting");
    // The name is still taken while deleting.
    expect((await rejection(create(sm, "p"))).name).toBe("ResourceInUse");
    clock.advance(20_000);
    expect((await rejection(describeProfile(sm, "p"))).name).toBe("ResourceNotFound");
    await create(sm, "p");
    expect((await describeProfile(sm, "p")).Status).toBe("Pending");
  });

  it("runs on real time too", async () => {
    const { sm } = await setup({ delays: { createMs: 150 } });
    await create(sm, "real");
    expect((await describeProfile(sm, "real")).Status).toBe("Pending");
    const deadline = Date.now() + 20_000;
    let status: string | undefined;
    while (Date.now() < deadline) {
      status = (await describeProfile(sm, "real")).Status;
      if (status === "InService") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe("InService");
  });

  it("has no transitional status when the delays are 0", async () => {
    const { sm } = await setup();
    await create(sm, "z");
    expect((await describeProfile(sm, "z")).Status).toBe("InService");
    await update(sm, "z", { StudioWebPortal: "DISABLED" });
    expect((await describeProfile(sm, "z")).Status).toBe("InService");
    await remove(sm, "z");
    expect((await rejection(describeProfile(sm, "z"))).name).toBe("ResourceNotFound");
  });

  it("bumps LastModifiedTime on update, not CreationTime", async () => {
    const clock = manualClock();
    const { sm } = await setup({ now: clock.now });
    await create(sm, "m");
    clock.advance(5_000);
    await update(sm, "m", { StudioWebPortal: "DISABLED" });
    const d = await describeProfile(sm, "m");
    expect((d.LastModifiedTime?.getTime() ?? 0) - (d.CreationTime?.getTime() ?? 0)).toBe(5_000);
  });

  it("reports forced failures with their reason, and lets a failed profile be repaired or deleted", async () => {
    const { emu, sm } = await setup();
    await create(sm, "f");
    emu.admin.setProfile(DOMAIN, "f", { status: "Update_Failed", failureReason: "KMS key disabled" });
    const failed = await describeProfile(sm, "f");
    expect(failed.Status).toBe("Update_Failed");
    expect(failed.FailureReason).toBe("KMS key disabled");
    await update(sm, "f", { StudioWebPortal: "DISABLED" });
    const repaired = await describeProfile(sm, "f");
    expect(repaired.Status).toBe("InService");
    expect(repaired.FailureReason).toBeUndefined();

    emu.admin.setProfile(DOMAIN, "f", { status: "Failed", failureReason: "boom" });
    expect((await rejection(update(sm, "f"))).name).toBe("ResourceInUse");
    await remove(sm, "f");
    expect((await rejection(describeProfile(sm, "f"))).name).toBe("ResourceNotFound");

    await create(sm, "g");
    emu.admin.setProfile(DOMAIN, "g", { status: "Delete_Failed", failureReason: "EFS busy" });
    expect((await describeProfile(sm, "g")).Status).toBe("Delete_Failed");
  });
});

describe("ResourceInUse", () => {
  it("for Update and Delete while the profile is Updating", async () => {
    const clock = manualClock();
    const { sm } = await setup({ now: clock.now, delays: { updateMs: 60_000 } });
    await create(sm, "u");
    await update(sm, "u", { StudioWebPortal: "DISABLED" });
    const busy = await rejection(update(sm, "u", { StudioWebPortal: "ENABLED" }));
    expect(busy.name).toBe("ResourceInUse");
    expect(busy.message).toContain("Updating");
    expect((await rejection(remove(sm, "u"))).name).toBe("ResourceInUse");
    // The refused update changed nothing.
    expect((await describeProfile(sm, "u")).UserSettings?.StudioWebPortal).toBe("DISABLED");
    clock.advance(60_000);
    await update(sm, "u", { StudioWebPortal: "ENABLED" });
  });

  it("for Delete while the profile has apps, but not for Update", async () => {
    const { emu, sm } = await setup();
    await create(sm, "apps");
    const app = { domainId: DOMAIN, userProfileName: "apps", appType: "JupyterServer", appName: "default" } as const;
    emu.admin.startApp(app);
    // ACK's sagemaker-controller counts only Pending/Updating/Deleting as busy: running apps do not block an update.
    await update(sm, "apps", { StudioWebPortal: "DISABLED" });
    const del = await rejection(remove(sm, "apps"));
    expect(del.name).toBe("ResourceInUse");
    expect(del.message).toMatch(
      /^Unable to delete UserProfile \[arn:aws:sagemaker:.*\/apps\] because App\(s\) are associated/,
    );
    emu.admin.removeApp(app);
    await remove(sm, "apps");
  });

  it("for the next n mutating calls with inUseFor", async () => {
    const { emu, sm } = await setup();
    await create(sm, "n");
    emu.admin.setProfile(DOMAIN, "n", { inUseFor: { count: 2 } });
    expect((await rejection(update(sm, "n", { StudioWebPortal: "DISABLED" }))).name).toBe("ResourceInUse");
    expect((await rejection(update(sm, "n", { StudioWebPortal: "DISABLED" }))).name).toBe("ResourceInUse");
    await update(sm, "n", { StudioWebPortal: "DISABLED" });
    expect(emu.calls().UpdateUserProfile).toEqual({ ResourceInUse: 2, ok: 1 });
  });

  it("for creating a profile that already exists", async () => {
    const { sm } = await setup();
    await create(sm, "twice");
    const err = await rejection(create(sm, "twice"));
    expect(err.name).toBe("ResourceInUse");
    expect(err.message).toMatch(/already exists/);
  });

  it("ResourceLimitExceeded when the domain's profile quota is reached", async () => {
    const { sm } = await setup({ limits: { profilesPerDomain: 2 } });
    await create(sm, "q1");
    await create(sm, "q2");
    expect((await rejection(create(sm, "q3"))).name).toBe("ResourceLimitExceeded");
    await remove(sm, "q2");
    await create(sm, "q3");
  });
});

describe("UpdateUserProfile merge semantics", () => {
  it("replaces present top-level members wholesale, keeps omitted ones, and clears lists sent as []", async () => {
    const { sm } = await setup();
    await create(sm, "merge", {
      SecurityGroups: ["sg-own"],
      JupyterLabAppSettings: {
        DefaultResourceSpec: { InstanceType: "ml.t3.medium" },
        LifecycleConfigArns: ["arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/lc"],
      },
      SharingSettings: { NotebookOutputOption: "Allowed", S3OutputPath: "s3://bucket/out" },
    });
    await update(sm, "merge", {
      JupyterLabAppSettings: { DefaultResourceSpec: { InstanceType: "ml.t3.large" } },
      SecurityGroups: [],
    });
    const s = (await describeProfile(sm, "merge")).UserSettings;
    expect(s?.JupyterLabAppSettings).toEqual({ DefaultResourceSpec: { InstanceType: "ml.t3.large" } });
    expect(s?.SharingSettings).toEqual({ NotebookOutputOption: "Allowed", S3OutputPath: "s3://bucket/out" });
    // The domain of this test has no default groups and no NFS group, so a cleared list is absent.
    expect(s?.SecurityGroups).toBeUndefined();
  });

  it("applies an out-of-band edit with the same merge and bumps LastModifiedTime", async () => {
    const clock = manualClock();
    const { emu, sm } = await setup({ now: clock.now });
    await create(sm, "oob", { StudioWebPortal: "DISABLED", DefaultLandingUri: "app:JupyterServer:" });
    clock.advance(1_000);
    emu.admin.setProfile(DOMAIN, "oob", { userSettings: { StudioWebPortal: "ENABLED" } });
    const d = await describeProfile(sm, "oob");
    expect(d.UserSettings?.StudioWebPortal).toBe("ENABLED");
    expect(d.UserSettings?.DefaultLandingUri).toBe("app:JupyterServer:");
    expect((d.LastModifiedTime?.getTime() ?? 0) - (d.CreationTime?.getTime() ?? 0)).toBe(1_000);
  });
});

describe("what Describe adds", () => {
  it("fills the server's defaults when nothing is stored, and the domain's execution role", async () => {
    const { sm } = await setup();
    await create(sm, "bare");
    const s = (await describeProfile(sm, "bare")).UserSettings;
    expect(s).toEqual({
      ExecutionRole: ROLE,
      SpaceStorageSettings: {
        DefaultEbsStorageSettings: { DefaultEbsVolumeSizeInGb: 5, MaximumEbsVolumeSizeInGb: 100 },
      },
      StudioWebPortal: "ENABLED",
      AutoMountHomeEFS: "DefaultAsDomain",
      RStudioServerProAppSettings: { AccessStatus: "DISABLED", UserGroup: "R_STUDIO_USER" },
    });
  });

  it("lets stored values win over the defaults", async () => {
    const { sm } = await setup();
    const own: UserSettings = {
      ExecutionRole: "arn:aws:iam::123456789012:role/own",
      SpaceStorageSettings: {
        DefaultEbsStorageSettings: { DefaultEbsVolumeSizeInGb: 20, MaximumEbsVolumeSizeInGb: 50 },
      },
      StudioWebPortal: "DISABLED",
      AutoMountHomeEFS: "Disabled",
      RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" },
    };
    await create(sm, "own", own);
    expect((await describeProfile(sm, "own")).UserSettings).toEqual(own);
    // The store keeps only what was sent.
    expect(emu?.store.getProfile(DOMAIN, "own")?.userSettings).toEqual(own);
  });

  it("aggregates security groups: own ∪ domain defaults ∪ the domain's NFS group, de-duplicated, not in declared order", async () => {
    const { emu, sm } = await setup();
    const vpc = emu.admin.createDomain({
      domainId: "d-vpconly00001",
      appNetworkAccessType: "VpcOnly",
      defaultUserSettings: { ExecutionRole: ROLE, SecurityGroups: ["sg-domain", "sg-shared"] },
    });
    const nfs = vpc.securityGroupIdForDomainBoundary ?? "";
    expect(nfs).toMatch(/^sg-nfs/);
    await sm.send(
      new CreateUserProfileCommand({
        DomainId: vpc.domainId,
        UserProfileName: "sg",
        UserSettings: { SecurityGroups: ["sg-zeta", "sg-shared", "sg-alpha"] },
      }),
    );
    const groups = (await sm.send(new DescribeUserProfileCommand({ DomainId: vpc.domainId, UserProfileName: "sg" })))
      .UserSettings?.SecurityGroups;
    expect(groups).toHaveLength(5);
    expect(new Set(groups)).toEqual(new Set(["sg-zeta", "sg-shared", "sg-alpha", "sg-domain", nfs]));
    expect(groups?.slice(0, 3)).not.toEqual(["sg-zeta", "sg-shared", "sg-alpha"]);

    // Clearing the profile's own groups leaves what the domain adds.
    await sm.send(
      new UpdateUserProfileCommand({
        DomainId: vpc.domainId,
        UserProfileName: "sg",
        UserSettings: { SecurityGroups: [] },
      }),
    );
    const after = (await sm.send(new DescribeUserProfileCommand({ DomainId: vpc.domainId, UserProfileName: "sg" })))
      .UserSettings?.SecurityGroups;
    expect(new Set(after)).toEqual(new Set(["sg-domain", "sg-shared", nfs]));
  });

  it("follows the domain: an NFS group or default groups set later by the admin show up at once", async () => {
    const { emu, sm } = await setup();
    await create(sm, "late", { SecurityGroups: ["sg-own"] });
    emu.admin.updateDomain(DOMAIN, {
      securityGroupIdForDomainBoundary: "sg-nfs0001",
      defaultUserSettings: { SecurityGroups: ["sg-default"] },
    });
    expect((await describeProfile(sm, "late")).UserSettings?.SecurityGroups).toEqual([
      "sg-default",
      "sg-nfs0001",
      "sg-own",
    ]);
    const again = clientFor(emu);
    expect(
      (await again.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "late" }))).UserSettings
        ?.ExecutionRole,
    ).toBe(ROLE);
  });
});
