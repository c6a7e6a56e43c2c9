/** Where SageMaker is strict beyond the model: profile names, missing domains, security groups in VpcOnly domains. */
import {
  AddTagsCommand,
  CreateUserProfileCommand,
  DeleteUserProfileCommand,
  DescribeDomainCommand,
  DescribeUserProfileCommand,
  ListUserProfilesCommand,
  type SageMakerClient,
  UpdateUserProfileCommand,
  type UserSettings,
} from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import { DOMAIN, emulatorPerTest, rejection } from "./helpers.js";

const setup = emulatorPerTest();

const create = (sm: SageMakerClient, name: string, settings?: UserSettings, domain = DOMAIN) =>
  sm.send(new CreateUserProfileCommand({ DomainId: domain, UserProfileName: name, UserSettings: settings }));
const update = (sm: SageMakerClient, name: string, settings?: UserSettings, domain = DOMAIN) =>
  sm.send(new UpdateUserProfileCommand({ DomainId: domain, UserProfileName: name, UserSettings: settings }));
const remove = (sm: SageMakerClient, name: string, domain = DOMAIN) =>
  sm.send(new DeleteUserProfileCommand({ DomainId: domain, UserProfileName: name }));
const describeProfile = (sm: SageMakerClient, name: string, domain = DOMAIN) =>
  sm.send(new DescribeUserProfileCommand({ DomainId: domain, UserProfileName: name }));
const listNames = async (sm: SageMakerClient) =>
  ((await sm.send(new ListUserProfilesCommand({ DomainIdEquals: DOMAIN }))).UserProfiles ?? []).map(
    (p) => p.UserProfileName,
  );

describe("profile names are not case sensitive", () => {
  it("makes Alice and alice one profile, whose ARN has the name in lower case", async () => {
    const { sm } = await setup();
    const { UserProfileArn } = await create(sm, "Alice", { StudioWebPortal: "DISABLED" });
    expect(UserProfileArn).toBe(`arn:aws:sagemaker:us-east-1:123456789012:user-profile/${DOMAIN}/alice`);

    const described = await describeProfile(sm, "ALICE");
    expect(described.UserProfileArn).toBe(UserProfileArn);
    expect(described.UserSettings?.StudioWebPortal).toBe("DISABLED");

    const duplicate = await rejection(create(sm, "alice"));
    expect(duplicate.name).toBe("ResourceInUse");
    expect(duplicate.message).toContain(UserProfileArn);

    await update(sm, "aLiCe", { StudioWebPortal: "ENABLED" });
    expect((await describeProfile(sm, "alice")).UserSettings?.StudioWebPortal).toBe("ENABLED");
    expect(await listNames(sm)).toHaveLength(1);

    await remove(sm, "ALICE");
    expect((await rejection(describeProfile(sm, "Alice"))).name).toBe("ResourceNotFound");
  });

  it("tags by the lower-case ARN only", async () => {
    const { sm } = await setup();
    const { UserProfileArn = "" } = await create(sm, "Bob");
    const asCreated = UserProfileArn.replace(/\/bob$/, "/Bob");
    const tag = (arn: string) => sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "k", Value: "v" }] }));
    expect((await rejection(tag(asCreated))).name).toBe("ResourceNotFound");
    await tag(UserProfileArn);
  });

  it("answers UserProfileName in lower case by default, or as created (a mode: AWS does not document it)", async () => {
    const { emu, sm } = await setup();
    await create(sm, "Carol");
    expect((await describeProfile(sm, "carol")).UserProfileName).toBe("carol");
    expect(await listNames(sm)).toEqual(["carol"]);

    emu.admin.configure({ modes: { profileNameCase: "asCreated" } });
    const described = await describeProfile(sm, "CAROL");
    expect(described.UserProfileName).toBe("Carol");
    expect(described.UserProfileArn).toMatch(/\/carol$/);
    expect(await listNames(sm)).toEqual(["Carol"]);
  });
});

describe("a domain that does not exist", () => {
  const MISSING = "d-missing00001";

  it("answers every profile call with ResourceNotFound naming the domain, and creates nothing", async () => {
    const { emu, sm } = await setup();
    for (const call of [
      create(sm, "a", undefined, MISSING),
      describeProfile(sm, "a", MISSING),
      update(sm, "a", { StudioWebPortal: "DISABLED" }, MISSING),
      remove(sm, "a", MISSING),
    ]) {
      const err = await rejection(call);
      expect(err.name).toBe("ResourceNotFound");
      expect(err.message).toContain(`domain/${MISSING}`);
    }
    expect(emu.store.profileCount()).toBe(0);
  });

  it("answers ValidationException instead under the missingDomainError mode", async () => {
    const { sm } = await setup({ modes: { missingDomainError: "ValidationException" } });
    for (const call of [create(sm, "a", undefined, MISSING), describeProfile(sm, "a", MISSING)])
      expect((await rejection(call)).name).toBe("ValidationException");
    // DescribeDomain's answer is documented (ResourceNotFound): the operator asks it to tell a missing domain.
    expect((await rejection(sm.send(new DescribeDomainCommand({ DomainId: MISSING })))).name).toBe("ResourceNotFound");
  });
});

describe("security groups", () => {
  const VPC_DOMAIN = "d-vpconly00001";
  const groups = (n: number) => Array.from({ length: n }, (_, i) => `sg-0a${String(i).padStart(15, "0")}`);

  it("allow one fewer than the model's 5 in a VpcOnly domain, where SageMaker adds the NFS group", async () => {
    const { emu, sm } = await setup();
    emu.admin.createDomain({ domainId: VPC_DOMAIN, appNetworkAccessType: "VpcOnly" });
    const refused = await rejection(create(sm, "five", { SecurityGroups: groups(5) }, VPC_DOMAIN));
    expect(refused.name).toBe("ValidationException");
    expect(refused.message).toMatch(/VpcOnly domain may have at most 4/);
    expect(emu.store.getProfile(VPC_DOMAIN, "five")).toBeUndefined();

    await create(sm, "four", { SecurityGroups: groups(4) }, VPC_DOMAIN);
    // The NFS group is there on Describe: five in all.
    expect((await describeProfile(sm, "four", VPC_DOMAIN)).UserSettings?.SecurityGroups).toHaveLength(5);
    const update5 = await rejection(update(sm, "four", { SecurityGroups: groups(5) }, VPC_DOMAIN));
    expect(update5.name).toBe("ValidationException");
    expect(emu.store.getProfile(VPC_DOMAIN, "four")?.userSettings.SecurityGroups).toEqual(groups(4));
  });

  it("allow the model's 5 in a PublicInternetOnly domain", async () => {
    const { sm } = await setup();
    await create(sm, "five", { SecurityGroups: groups(5) });
    await update(sm, "five", { SecurityGroups: groups(5).reverse() });
  });
});
