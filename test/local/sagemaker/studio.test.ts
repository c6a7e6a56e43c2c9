/** Apps and spaces: validation, life cycles, filters and pages, and what they block (docs/fidelity.md, "Apps and spaces"). */
import {
  CreateAppCommand,
  CreateSpaceCommand,
  CreateUserProfileCommand,
  DeleteAppCommand,
  DeleteSpaceCommand,
  DeleteUserProfileCommand,
  DescribeAppCommand,
  DescribeSpaceCommand,
  ListAppsCommand,
  ListSpacesCommand,
  paginateListApps,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import { DOMAIN, emulatorPerTest, manualClock, rejection } from "./helpers.js";

const setup = emulatorPerTest();

const profile = (sm: SageMakerClient, name: string) =>
  sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name }));
const app = (sm: SageMakerClient, owner: { UserProfileName: string } | { SpaceName: string }, AppName = "default") =>
  sm.send(new CreateAppCommand({ DomainId: DOMAIN, AppType: "JupyterLab", AppName, ...owner }));
const deleteApp = (
  sm: SageMakerClient,
  owner: { UserProfileName: string } | { SpaceName: string },
  AppName = "default",
) => sm.send(new DeleteAppCommand({ DomainId: DOMAIN, AppType: "JupyterLab", AppName, ...owner }));
const describeApp = (
  sm: SageMakerClient,
  owner: { UserProfileName: string } | { SpaceName: string },
  AppName = "default",
) => sm.send(new DescribeAppCommand({ DomainId: DOMAIN, AppType: "JupyterLab", AppName, ...owner }));
const space = (sm: SageMakerClient, SpaceName: string, owner: string, SharingType: "Private" | "Shared") =>
  sm.send(
    new CreateSpaceCommand({
      DomainId: DOMAIN,
      SpaceName,
      OwnershipSettings: { OwnerUserProfileName: owner },
      SpaceSharingSettings: { SharingType },
    }),
  );
const deleteProfile = (sm: SageMakerClient, name: string) =>
  sm.send(new DeleteUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name }));

describe("apps", () => {
  it("are validated against the model and need exactly one owner that exists", async () => {
    const { sm } = await setup();
    await profile(sm, "alice");
    const bad = await rejection(
      sm.send(
        new CreateAppCommand({
          DomainId: DOMAIN,
          UserProfileName: "alice",
          AppType: "Jupyter" as "JupyterLab",
          AppName: "x",
        }),
      ),
    );
    expect(bad.name).toBe("ValidationException");
    expect(bad.message).toContain("Member must satisfy enum value set");
    expect(
      (await rejection(sm.send(new CreateAppCommand({ DomainId: DOMAIN, AppType: "JupyterLab", AppName: "x" })))).name,
    ).toBe("ValidationException");
    expect((await rejection(app(sm, { UserProfileName: "nobody" }))).name).toBe("ResourceNotFound");
    expect((await rejection(app(sm, { SpaceName: "nowhere" }))).name).toBe("ResourceNotFound");
    await app(sm, { UserProfileName: "alice" });
    expect((await rejection(app(sm, { UserProfileName: "alice" }))).name).toBe("ResourceInUse");
  });

  it("go Pending -> InService -> Deleting -> Deleted, stay listed while retained, then are gone", async () => {
    const clock = manualClock();
    const { sm } = await setup({
      now: clock.now,
      delays: { appStartMs: 60_000, appDeleteMs: 300_000, deletedAppRetentionMs: 600_000 },
    });
    await profile(sm, "alice");
    const { AppArn } = await app(sm, { UserProfileName: "alice" });
    expect(AppArn).toBe(`arn:aws:sagemaker:us-east-1:123456789012:app/${DOMAIN}/alice/jupyterlab/default`);
    expect((await describeApp(sm, { UserProfileName: "alice" })).Status).toBe("Pending");
    clock.advance(60_000);
    expect((await describeApp(sm, { UserProfileName: "alice" })).Status).toBe("InService");
    await deleteApp(sm, { UserProfileName: "alice" });
    expect((await describeApp(sm, { UserProfileName: "alice" })).Status).toBe("Deleting");
    expect((await rejection(deleteApp(sm, { UserProfileName: "alice" }))).name).toBe("ResourceInUse");
    clock.advance(300_000);
    const listed = await sm.send(new ListAppsCommand({ DomainIdEquals: DOMAIN, UserProfileNameEquals: "alice" }));
    expect(listed.Apps?.map((a) => [a.AppName, a.Status])).toEqual([["default", "Deleted"]]);
    clock.advance(600_000);
    expect((await sm.send(new ListAppsCommand({ DomainIdEquals: DOMAIN }))).Apps).toEqual([]);
    expect((await rejection(describeApp(sm, { UserProfileName: "alice" }))).name).toBe("ResourceNotFound");
  });

  it("whose deletion the admin makes fail end Failed, and can be deleted again", async () => {
    const { emu, sm } = await setup();
    await profile(sm, "alice");
    await app(sm, { UserProfileName: "alice" });
    emu.admin.failAppDeletions(
      { domainId: DOMAIN, userProfileName: "alice", appType: "JupyterLab", appName: "default" },
      1,
    );
    await deleteApp(sm, { UserProfileName: "alice" });
    const failed = await describeApp(sm, { UserProfileName: "alice" });
    expect(failed.Status).toBe("Failed");
    expect(failed.FailureReason).toBeTruthy();
    await deleteApp(sm, { UserProfileName: "alice" });
    expect((await describeApp(sm, { UserProfileName: "alice" })).Status).toBe("Deleted");
  });

  it("are listed by owner, in pages whose tokens continue only their own query", async () => {
    const { emu, sm } = await setup();
    await profile(sm, "alice");
    await profile(sm, "bob");
    for (let i = 0; i < 5; i++) await app(sm, { UserProfileName: "alice" }, `a${i}`);
    await app(sm, { UserProfileName: "bob" });
    const names: string[] = [];
    for await (const page of paginateListApps(
      { client: sm, pageSize: 2 },
      { DomainIdEquals: DOMAIN, UserProfileNameEquals: "alice" },
    ))
      names.push(...(page.Apps ?? []).map((a) => a.AppName ?? ""));
    expect(names).toEqual(["a0", "a1", "a2", "a3", "a4"]);
    const first = await sm.send(new ListAppsCommand({ UserProfileNameEquals: "alice", MaxResults: 2 }));
    const foreign = await rejection(
      sm.send(new ListAppsCommand({ UserProfileNameEquals: "bob", NextToken: first.NextToken })),
    );
    expect(foreign.name).toBe("ValidationException");
    const both = await rejection(
      sm.send(new ListAppsCommand({ UserProfileNameEquals: "alice", SpaceNameEquals: "s" })),
    );
    expect(both.name).toBe("ValidationException");
    expect(emu.store.apps(DOMAIN)).toHaveLength(6);
  });
});

describe("spaces", () => {
  it("carry their owner and sharing type, and a private one needs an owner", async () => {
    const { sm } = await setup();
    await profile(sm, "alice");
    await space(sm, "alice-space", "alice", "Private");
    const described = await sm.send(new DescribeSpaceCommand({ DomainId: DOMAIN, SpaceName: "alice-space" }));
    expect(described).toMatchObject({
      Status: "InService",
      OwnershipSettings: { OwnerUserProfileName: "alice" },
      SpaceSharingSettings: { SharingType: "Private" },
    });
    const listed = await sm.send(new ListSpacesCommand({ DomainIdEquals: DOMAIN }));
    expect(listed.Spaces?.[0]).toMatchObject({
      SpaceName: "alice-space",
      OwnershipSettingsSummary: { OwnerUserProfileName: "alice" },
      SpaceSharingSettingsSummary: { SharingType: "Private" },
    });
    const ownerless = await rejection(
      sm.send(
        new CreateSpaceCommand({ DomainId: DOMAIN, SpaceName: "x", SpaceSharingSettings: { SharingType: "Private" } }),
      ),
    );
    expect(ownerless.name).toBe("ValidationException");
    expect((await rejection(space(sm, "y", "nobody", "Shared"))).name).toBe("ResourceNotFound");
  });

  it("are refused deletion while their apps are not Deleted", async () => {
    const clock = manualClock();
    const { sm } = await setup({ now: clock.now, delays: { appDeleteMs: 60_000, spaceDeleteMs: 30_000 } });
    await profile(sm, "alice");
    await space(sm, "s1", "alice", "Private");
    await app(sm, { SpaceName: "s1" });
    const refused = await rejection(sm.send(new DeleteSpaceCommand({ DomainId: DOMAIN, SpaceName: "s1" })));
    expect(refused.name).toBe("ResourceInUse");
    await deleteApp(sm, { SpaceName: "s1" });
    expect((await rejection(sm.send(new DeleteSpaceCommand({ DomainId: DOMAIN, SpaceName: "s1" })))).name).toBe(
      "ResourceInUse",
    );
    clock.advance(60_000);
    await sm.send(new DeleteSpaceCommand({ DomainId: DOMAIN, SpaceName: "s1" }));
    expect((await sm.send(new DescribeSpaceCommand({ DomainId: DOMAIN, SpaceName: "s1" }))).Status).toBe("Deleting");
    clock.advance(30_000);
    expect((await sm.send(new ListSpacesCommand({}))).Spaces).toEqual([]);
  });
});

describe("DeleteUserProfile", () => {
  it("is refused while the profile has apps not Deleted, failed ones included, or owns spaces", async () => {
    const { emu, sm } = await setup();
    await profile(sm, "alice");
    await profile(sm, "bob");
    emu.admin.startApp({
      domainId: DOMAIN,
      userProfileName: "alice",
      appType: "KernelGateway",
      appName: "k",
      status: "Failed",
    });
    const byApp = await rejection(deleteProfile(sm, "alice"));
    expect(byApp.name).toBe("ResourceInUse");
    expect(byApp.message).toBe(
      `Unable to delete UserProfile [arn:aws:sagemaker:us-east-1:123456789012:user-profile/${DOMAIN}/alice] because App(s) are associated with it.`,
    );
    await sm.send(
      new DeleteAppCommand({ DomainId: DOMAIN, UserProfileName: "alice", AppType: "KernelGateway", AppName: "k" }),
    );
    // A shared space owned by bob does not block alice; a private one she owns does.
    await space(sm, "team", "bob", "Shared");
    await space(sm, "mine", "alice", "Private");
    expect((await rejection(deleteProfile(sm, "alice"))).message).toContain("Space(s) are associated");
    await sm.send(new DeleteSpaceCommand({ DomainId: DOMAIN, SpaceName: "mine" }));
    await deleteProfile(sm, "alice");
    expect(emu.store.getProfile(DOMAIN, "alice")).toBeUndefined();
    expect(emu.store.spaces(DOMAIN).map((s) => s.spaceName)).toEqual(["team"]);
  });

  it("is not refused for a Failed app under the mode failedAppsBlockDelete: ignored", async () => {
    const { emu, sm } = await setup({ modes: { failedAppsBlockDelete: "ignored" } });
    await profile(sm, "alice");
    emu.admin.startApp({
      domainId: DOMAIN,
      userProfileName: "alice",
      appType: "JupyterServer",
      appName: "default",
      status: "Failed",
    });
    await deleteProfile(sm, "alice");
  });

  it("answers a repeated DeleteApp per the mode repeatedAppDelete", async () => {
    const { sm } = await setup({ modes: { repeatedAppDelete: "ResourceNotFound" } });
    await profile(sm, "alice");
    await app(sm, { UserProfileName: "alice" });
    await deleteApp(sm, { UserProfileName: "alice" });
    expect((await rejection(deleteApp(sm, { UserProfileName: "alice" }))).name).toBe("ResourceNotFound");
  });
});
