/**
 * Emulator modes (answers where AWS is undocumented): each value through the real SDK, set by option or through the
 * admin endpoint, and the defaults equal to the emulator's original behaviour.
 */
import {
  AddTagsCommand,
  CreateUserProfileCommand,
  DeleteTagsCommand,
  DescribeDomainCommand,
  DescribeUserProfileCommand,
  ListUserProfilesCommand,
  type SageMakerClient,
  UpdateUserProfileCommand,
  type UserSettings,
} from "@aws-sdk/client-sagemaker";
import { DEFAULT_MODES, type SageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { describe, expect, it } from "vitest";
import { DOMAIN, emulatorPerTest, emulatorWithDomain, manualClock, ROLE, rejection } from "./helpers.js";

const setup = emulatorPerTest();

const create = (sm: SageMakerClient, name: string, settings?: UserSettings, domainId = DOMAIN) =>
  sm.send(new CreateUserProfileCommand({ DomainId: domainId, UserProfileName: name, UserSettings: settings }));
const update = (sm: SageMakerClient, name: string, settings?: UserSettings) =>
  sm.send(new UpdateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name, UserSettings: settings }));
const describeProfile = (sm: SageMakerClient, name: string, domainId = DOMAIN) =>
  sm.send(new DescribeUserProfileCommand({ DomainId: domainId, UserProfileName: name }));
const listed = async (sm: SageMakerClient, sortBy?: "LastModifiedTime") =>
  (await sm.send(new ListUserProfilesCommand({ DomainIdEquals: DOMAIN, SortBy: sortBy }))).UserProfiles ?? [];

async function admin(e: SageMakerEmulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${e.url}/_admin/${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const LCC = "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/lc";

describe("the admin endpoint", () => {
  it("starts with today's answers, changes only the modes named, and refuses unknown modes and values", async () => {
    const { emu } = await setup();
    expect((await admin(emu, "GET", "modes")).json).toEqual({
      profileNameCase: "lowercase",
      missingDomainError: "ResourceNotFound",
      updateSemantics: "replace-blocks",
      describeSecurityGroups: "aggregate",
      describeExecutionRole: "inherit",
      describeServerDefaults: "filled",
      describeRStudioUserGroup: "shown",
      lastModifiedTime: "on-request",
      profileTagWrites: "unchanged",
      listTimestampPrecision: "ms",
      describeTimestampPrecision: "ms",
      referencedResources: "unchecked",
      failedAppsBlockDelete: "blocks",
      repeatedAppDelete: "ResourceInUse",
    });
    expect((await admin(emu, "POST", "config", { modes: { updateSemantics: "merge-nested" } })).status).toBe(200);
    expect((await admin(emu, "GET", "modes")).json).toEqual({ ...DEFAULT_MODES, updateSemantics: "merge-nested" });

    const unknown = await admin(emu, "POST", "config", { modes: { updateSemantic: "merge-nested" } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toMatch(/Unknown emulator mode updateSemantic/);
    const badValue = await admin(emu, "POST", "config", {
      delays: { updateMs: 5 },
      modes: { listTimestampPrecision: "us" },
    });
    expect(badValue.status).toBe(400);
    expect(badValue.json.message).toMatch(/listTimestampPrecision cannot be "us"; one of: ms, s/);
    // A refused call changes nothing, not even its other settings.
    expect((await admin(emu, "GET", "modes")).json).toEqual({ ...DEFAULT_MODES, updateSemantics: "merge-nested" });
  });

  it("refuses an unknown mode given as an option", async () => {
    await expect(emulatorWithDomain({ modes: { describeExecutionRole: "maybe" as "own" } })).rejects.toThrow(
      /describeExecutionRole cannot be "maybe"/,
    );
  });
});

describe("updateSemantics", () => {
  const stored: UserSettings = {
    SecurityGroups: ["sg-1", "sg-2"],
    JupyterLabAppSettings: {
      DefaultResourceSpec: { InstanceType: "ml.t3.medium", LifecycleConfigArn: LCC },
      LifecycleConfigArns: [LCC],
    },
  };
  const change: UserSettings = {
    JupyterLabAppSettings: { DefaultResourceSpec: { InstanceType: "ml.t3.large" } },
    SecurityGroups: ["sg-3"],
  };

  it("replace-blocks (default): a block sent replaces the stored block", async () => {
    const { sm } = await setup();
    await create(sm, "p", stored);
    await update(sm, "p", change);
    const s = (await describeProfile(sm, "p")).UserSettings;
    expect(s?.JupyterLabAppSettings).toEqual({ DefaultResourceSpec: { InstanceType: "ml.t3.large" } });
    expect(s?.SecurityGroups).toEqual(["sg-3"]);
  });

  it("merge-nested: nested members the update leaves out are kept, lists are replaced", async () => {
    const { emu, sm } = await setup({ modes: { updateSemantics: "merge-nested" } });
    await create(sm, "p", stored);
    await update(sm, "p", change);
    const s = (await describeProfile(sm, "p")).UserSettings;
    expect(s?.JupyterLabAppSettings).toEqual({
      DefaultResourceSpec: { InstanceType: "ml.t3.large", LifecycleConfigArn: LCC },
      LifecycleConfigArns: [LCC],
    });
    expect(s?.SecurityGroups).toEqual(["sg-3"]);
    // An out-of-band edit (the admin's) follows the same semantics.
    emu.admin.setProfile(DOMAIN, "p", { userSettings: { JupyterLabAppSettings: { LifecycleConfigArns: [] } } });
    expect(emu.store.getProfile(DOMAIN, "p")?.userSettings.JupyterLabAppSettings).toEqual({
      DefaultResourceSpec: { InstanceType: "ml.t3.large", LifecycleConfigArn: LCC },
      LifecycleConfigArns: [],
    });
  });
});

describe("what Describe adds, per mode", () => {
  it("describeSecurityGroups own: neither the domain's default groups nor its NFS group", async () => {
    const { emu, sm } = await setup({ modes: { describeSecurityGroups: "own" } });
    const vpc = emu.admin.createDomain({
      domainId: "d-vpconly00001",
      appNetworkAccessType: "VpcOnly",
      defaultUserSettings: { ExecutionRole: ROLE, SecurityGroups: ["sg-domain"] },
    });
    expect(vpc.securityGroupIdForDomainBoundary).toMatch(/^sg-nfs/);
    await create(sm, "mine", { SecurityGroups: ["sg-own"] }, vpc.domainId);
    await create(sm, "none", {}, vpc.domainId);
    expect((await describeProfile(sm, "mine", vpc.domainId)).UserSettings?.SecurityGroups).toEqual(["sg-own"]);
    expect((await describeProfile(sm, "none", vpc.domainId)).UserSettings?.SecurityGroups).toBeUndefined();
    // Switched at run time, the same profile shows the aggregate.
    emu.admin.configure({ modes: { describeSecurityGroups: "aggregate" } });
    expect((await describeProfile(sm, "mine", vpc.domainId)).UserSettings?.SecurityGroups).toEqual([
      "sg-domain",
      vpc.securityGroupIdForDomainBoundary,
      "sg-own",
    ]);
  });

  it("describeExecutionRole own: a profile without a role shows none", async () => {
    const { sm } = await setup({ modes: { describeExecutionRole: "own" } });
    await create(sm, "bare");
    await create(sm, "own", { ExecutionRole: "arn:aws:iam::123456789012:role/own" });
    expect((await describeProfile(sm, "bare")).UserSettings?.ExecutionRole).toBeUndefined();
    expect((await describeProfile(sm, "own")).UserSettings?.ExecutionRole).toBe("arn:aws:iam::123456789012:role/own");
  });

  it("describeServerDefaults stored-only: what is stored, and no UserSettings at all for a bare profile", async () => {
    const { emu, sm } = await setup({ modes: { describeServerDefaults: "stored-only", describeExecutionRole: "own" } });
    await create(sm, "bare");
    await create(sm, "some", { StudioWebPortal: "DISABLED", SharingSettings: { NotebookOutputOption: "Disabled" } });
    expect((await describeProfile(sm, "bare")).UserSettings).toBeUndefined();
    expect((await describeProfile(sm, "some")).UserSettings).toEqual({
      StudioWebPortal: "DISABLED",
      SharingSettings: { NotebookOutputOption: "Disabled" },
    });
    // The domain's role still comes by its own mode.
    emu.admin.configure({ modes: { describeExecutionRole: "inherit" } });
    expect((await describeProfile(sm, "bare")).UserSettings).toEqual({ ExecutionRole: ROLE });
  });

  it("describeRStudioUserGroup omitted-when-disabled: no UserGroup while DISABLED, the stored or default one when ENABLED", async () => {
    const { emu, sm } = await setup({ modes: { describeRStudioUserGroup: "omitted-when-disabled" } });
    await create(sm, "bare");
    // Enabled as an admin, then disabled with AccessStatus alone (SageMaker takes no UserGroup while DISABLED).
    await create(sm, "was-admin", {
      RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" },
    });
    emu.admin.configure({ modes: { updateSemantics: "merge-nested" } });
    await update(sm, "was-admin", { RStudioServerProAppSettings: { AccessStatus: "DISABLED" } });
    expect(emu.store.getProfile(DOMAIN, "was-admin")?.userSettings.RStudioServerProAppSettings).toEqual({
      AccessStatus: "DISABLED",
      UserGroup: "R_STUDIO_ADMIN",
    });
    await create(sm, "on", { RStudioServerProAppSettings: { AccessStatus: "ENABLED" } });
    expect((await describeProfile(sm, "bare")).UserSettings?.RStudioServerProAppSettings).toEqual({
      AccessStatus: "DISABLED",
    });
    expect((await describeProfile(sm, "was-admin")).UserSettings?.RStudioServerProAppSettings).toEqual({
      AccessStatus: "DISABLED",
    });
    expect((await describeProfile(sm, "on")).UserSettings?.RStudioServerProAppSettings).toEqual({
      AccessStatus: "ENABLED",
      UserGroup: "R_STUDIO_USER",
    });
  });
});

describe("LastModifiedTime", () => {
  /** A updated at 0 (settles at 1000), B at 500 (settles at 1500), C edited out of band at 1200. */
  async function threeChanges(lastModifiedTime: "on-request" | "on-settle") {
    const clock = manualClock();
    const t0 = clock.now();
    const { emu, sm } = await setup({ now: clock.now, modes: { lastModifiedTime } });
    for (const name of ["a", "b", "c"]) emu.admin.createProfile(DOMAIN, name);
    emu.admin.configure({ delays: { updateMs: 1000 } });
    await update(sm, "a", { StudioWebPortal: "DISABLED" });
    clock.advance(500);
    await update(sm, "b", { StudioWebPortal: "DISABLED" });
    clock.advance(700);
    // No call between 1000 and 1500: A settles when this edit comes in, before it.
    emu.admin.setProfile(DOMAIN, "c", { userSettings: { StudioWebPortal: "DISABLED" } });
    clock.advance(800);
    const rows = await listed(sm, "LastModifiedTime");
    return {
      order: rows.map((p) => p.UserProfileName),
      at: Object.fromEntries(rows.map((p) => [p.UserProfileName, (p.LastModifiedTime?.getTime() ?? 0) - t0])),
      describedA: ((await describeProfile(sm, "a")).LastModifiedTime?.getTime() ?? 0) - t0,
    };
  }

  it("on-request (default): the time of the request, not of the status settling", async () => {
    const r = await threeChanges("on-request");
    expect(r.at).toEqual({ a: 0, b: 500, c: 1200 });
    expect(r.order).toEqual(["a", "b", "c"]);
    expect(r.describedA).toBe(0);
  });

  it("on-settle: moves again when Updating settles, and List sorts by it", async () => {
    const r = await threeChanges("on-settle");
    expect(r.at).toEqual({ a: 1000, b: 1500, c: 1200 });
    expect(r.order).toEqual(["a", "c", "b"]);
    expect(r.describedA).toBe(1000);
  });

  it("on-settle: Pending -> InService moves it too", async () => {
    const clock = manualClock();
    const { sm } = await setup({ now: clock.now, delays: { createMs: 300 }, modes: { lastModifiedTime: "on-settle" } });
    await create(sm, "new");
    const pending = await describeProfile(sm, "new");
    expect(pending.Status).toBe("Pending");
    expect(pending.LastModifiedTime).toEqual(pending.CreationTime);
    clock.advance(300);
    const ready = await describeProfile(sm, "new");
    expect(ready.Status).toBe("InService");
    expect((ready.LastModifiedTime?.getTime() ?? 0) - (ready.CreationTime?.getTime() ?? 0)).toBe(300);
  });
});

describe("profileTagWrites", () => {
  /** Created at 0; AddTags at 1000 and DeleteTags at 2000 by someone with AWS rights alone; then Describe and List. */
  async function tagTwice(profileTagWrites: "unchanged" | "moved") {
    const clock = manualClock();
    const t0 = clock.now();
    const { sm } = await setup({ now: clock.now, modes: { profileTagWrites } });
    await create(sm, "tagged");
    const arn = (await describeProfile(sm, "tagged")).UserProfileArn as string;
    const domainArn = (await sm.send(new DescribeDomainCommand({ DomainId: DOMAIN }))).DomainArn as string;
    clock.advance(1000);
    await sm.send(
      new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "sagemaker.gitops.io/owner", Value: "x/y/z" }] }),
    );
    await sm.send(new AddTagsCommand({ ResourceArn: domainArn, Tags: [{ Key: "team", Value: "a" }] }));
    clock.advance(1000);
    await sm.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ["absent"] }));
    const modified = (t?: Date) => (t?.getTime() ?? 0) - t0;
    return {
      described: modified((await describeProfile(sm, "tagged")).LastModifiedTime),
      listed: modified((await listed(sm))[0]?.LastModifiedTime),
      domain: modified((await sm.send(new DescribeDomainCommand({ DomainId: DOMAIN }))).LastModifiedTime),
    };
  }

  it("unchanged (default): AddTags and DeleteTags leave the profile's LastModifiedTime as created", async () => {
    const r = await tagTwice("unchanged");
    expect(r).toEqual({ described: 0, listed: 0, domain: 0 });
  });

  it("moved: each accepted AddTags or DeleteTags moves it, in Describe and in List; the domain's stays", async () => {
    const r = await tagTwice("moved");
    expect(r).toEqual({ described: 2000, listed: 2000, domain: 0 });
  });
});

describe("timestamp precision", () => {
  it("List and Describe each at their own precision; s truncates to the whole second", async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 789));
    const { emu, sm } = await setup({ now: clock.now, modes: { listTimestampPrecision: "s" } });
    await create(sm, "p");
    const exact = Date.UTC(2026, 0, 1, 0, 0, 0, 789);
    const whole = Date.UTC(2026, 0, 1, 0, 0, 0, 0);
    const row = (await listed(sm))[0];
    expect(row?.LastModifiedTime?.getTime()).toBe(whole);
    expect(row?.CreationTime?.getTime()).toBe(whole);
    expect((await describeProfile(sm, "p")).LastModifiedTime?.getTime()).toBe(exact);

    emu.admin.configure({ modes: { listTimestampPrecision: "ms", describeTimestampPrecision: "s" } });
    expect((await listed(sm))[0]?.LastModifiedTime?.getTime()).toBe(exact);
    const d = await describeProfile(sm, "p");
    expect(d.LastModifiedTime?.getTime()).toBe(whole);
    expect(d.CreationTime?.getTime()).toBe(whole);
  });
});

describe("referencedResources", () => {
  const ACCOUNT = "arn:aws:sagemaker:us-east-1:123456789012";
  const IMAGE = `${ACCOUNT}:image/team-image`;
  const VERSION = `${ACCOUNT}:image-version/team-image/2`;
  const FS = "fs-0123456789abcdef0";
  /** One setting per kind of reference, with what must be seeded for it and where the refusal points. */
  const cases: Array<{ kind: string; settings: UserSettings; seed: Record<string, string[]>; path: string }> = [
    {
      kind: "image",
      settings: { KernelGatewayAppSettings: { DefaultResourceSpec: { SageMakerImageArn: IMAGE } } },
      seed: { images: [IMAGE] },
      path: "UserSettings.KernelGatewayAppSettings.DefaultResourceSpec.SageMakerImageArn",
    },
    {
      kind: "image version",
      settings: { JupyterLabAppSettings: { DefaultResourceSpec: { SageMakerImageVersionArn: VERSION } } },
      seed: { imageVersions: [VERSION] },
      path: "UserSettings.JupyterLabAppSettings.DefaultResourceSpec.SageMakerImageVersionArn",
    },
    {
      kind: "studio lifecycle config",
      settings: { CodeEditorAppSettings: { LifecycleConfigArns: [LCC] } },
      seed: { lifecycleConfigs: [LCC] },
      path: "UserSettings.CodeEditorAppSettings.LifecycleConfigArns[0]",
    },
    {
      kind: "app image config",
      settings: {
        KernelGatewayAppSettings: { CustomImages: [{ ImageName: "team-image", AppImageConfigName: "team-config" }] },
      },
      seed: { images: [IMAGE], appImageConfigs: ["team-config"] },
      path: "UserSettings.KernelGatewayAppSettings.CustomImages[0].AppImageConfigName",
    },
    {
      kind: "image version",
      settings: {
        JupyterLabAppSettings: {
          CustomImages: [{ ImageName: "team-image", ImageVersionNumber: 2, AppImageConfigName: "team-config" }],
        },
      },
      seed: { images: [IMAGE], appImageConfigs: ["team-config"], imageVersions: [VERSION] },
      path: "UserSettings.JupyterLabAppSettings.CustomImages[0].ImageVersionNumber",
    },
    {
      kind: "file system",
      settings: { CustomFileSystemConfigs: [{ EFSFileSystemConfig: { FileSystemId: FS } }] },
      seed: { fileSystems: [FS] },
      path: "UserSettings.CustomFileSystemConfigs[0].EFSFileSystemConfig.FileSystemId",
    },
  ];

  it("unchecked (default): references are checked against the model's patterns only", async () => {
    const { sm } = await setup();
    for (const [i, c] of cases.entries()) await create(sm, `p${i}`, c.settings);
  });

  it.each(cases)("checked: Create and Update refuse an unseeded $kind at $path, and take it once seeded", async (c) => {
    const { emu, sm } = await setup({ modes: { referencedResources: "checked" } });
    // Everything but the last entry seeded: the refusal names exactly what is missing.
    const kinds = Object.entries(c.seed);
    const [missingKind, missing] = kinds.at(-1) as [string, string[]];
    for (const [kind, ids] of kinds.slice(0, -1)) emu.admin.registerResources({ [kind]: ids });

    const refused = await rejection(create(sm, "p", c.settings));
    expect(refused.name).toBe("ValidationException");
    expect(refused.message).toContain(`The ${c.kind} `);
    expect(refused.message).toContain(`named at ${c.path} does not exist`);
    expect(emu.store.getProfile(DOMAIN, "p")).toBeUndefined();

    await create(sm, "p");
    const before = emu.store.getProfile(DOMAIN, "p")?.userSettings;
    expect((await rejection(update(sm, "p", c.settings))).name).toBe("ValidationException");
    expect(emu.store.getProfile(DOMAIN, "p")?.userSettings).toEqual(before);

    const seeded = await admin(emu, "POST", "resources", { [missingKind]: missing });
    expect(seeded.status).toBe(200);
    expect(seeded.json[missingKind]).toEqual(expect.arrayContaining(missing));
    await update(sm, "p", c.settings);
    await create(sm, "q", c.settings);
    expect(emu.store.getProfile(DOMAIN, "q")?.userSettings).toEqual(c.settings);
  });

  it("checked: a missing domain is answered before a missing reference", async () => {
    const { sm } = await setup({ modes: { referencedResources: "checked" } });
    const refused = await rejection(create(sm, "p", cases[0]?.settings, "d-missing000001"));
    expect(refused.name).toBe("ResourceNotFound");
  });

  it("the admin endpoint refuses an unknown kind or an entry outside the model's shape, and adds nothing", async () => {
    const { emu } = await setup();
    const unknown = await admin(emu, "POST", "resources", { kmsKeys: ["k"] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toMatch(/Unknown resource kind kmsKeys/);
    const bad = await admin(emu, "POST", "resources", { lifecycleConfigs: [LCC], fileSystems: ["efs-1"] });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/fileSystems\[0\] "efs-1" is not a valid file system/);
    expect((await admin(emu, "GET", "resources")).json).toEqual({
      images: [],
      imageVersions: [],
      appImageConfigs: [],
      lifecycleConfigs: [],
      fileSystems: [],
    });
  });
});
