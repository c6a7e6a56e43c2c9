/** The wire protocol as the real SDK sees it: every operation, error naming, headers, timestamps. */
import {
  AddTagsCommand,
  CreateDomainCommand,
  CreateUserProfileCommand,
  DeleteTagsCommand,
  DeleteUserProfileCommand,
  DescribeDomainCommand,
  DescribeUserProfileCommand,
  ListDomainsCommand,
  ListTagsCommand,
  ListUserProfilesCommand,
  ResourceInUse,
  ResourceNotFound,
  UpdateUserProfileCommand,
} from "@aws-sdk/client-sagemaker";
import type { SageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type clientFor, DOMAIN, emulatorWithDomain, ROLE, rawCall, rejection } from "./helpers.js";

let emu: SageMakerEmulator;
let sm: ReturnType<typeof clientFor>;
beforeEach(async () => {
  ({ emu, sm } = await emulatorWithDomain());
});
afterEach(() => emu.close());

// The signature itself is not checked; its credential scope names the signer, the region and the service.
const AUTHORIZATION =
  "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=00";
const JSON_HEADERS = { "content-type": "application/x-amz-json-1.1", authorization: AUTHORIZATION };

describe("user profile operations through the SDK", () => {
  it("creates, describes, updates, lists and deletes a profile", async () => {
    const before = Date.now();
    const created = await sm.send(
      new CreateUserProfileCommand({
        DomainId: DOMAIN,
        UserProfileName: "alice",
        SingleSignOnUserIdentifier: "UserName",
        SingleSignOnUserValue: "alice@example.com",
        UserSettings: { StudioWebPortal: "DISABLED" },
      }),
    );
    expect(created.UserProfileArn).toBe(`arn:aws:sagemaker:us-east-1:123456789012:user-profile/${DOMAIN}/alice`);

    const described = await sm.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "alice" }));
    expect(described).toMatchObject({
      DomainId: DOMAIN,
      UserProfileName: "alice",
      UserProfileArn: created.UserProfileArn,
      Status: "InService",
      HomeEfsFileSystemUid: "200001",
      SingleSignOnUserIdentifier: "UserName",
      SingleSignOnUserValue: "alice@example.com",
    });
    expect(described.UserSettings?.StudioWebPortal).toBe("DISABLED");
    // Epoch seconds on the wire become Dates in the SDK.
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(described.CreationTime?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(described.CreationTime?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    const updated = await sm.send(
      new UpdateUserProfileCommand({
        DomainId: DOMAIN,
        UserProfileName: "alice",
        UserSettings: { StudioWebPortal: "ENABLED" },
      }),
    );
    expect(updated.UserProfileArn).toBe(created.UserProfileArn);
    const afterUpdate = await sm.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "alice" }));
    expect(afterUpdate.UserSettings?.StudioWebPortal).toBe("ENABLED");

    const list = await sm.send(new ListUserProfilesCommand({ DomainIdEquals: DOMAIN }));
    expect(list.UserProfiles?.map((p) => [p.UserProfileName, p.Status])).toEqual([["alice", "InService"]]);
    expect(list.UserProfiles?.[0]?.LastModifiedTime).toBeInstanceOf(Date);
    expect(list.NextToken).toBeUndefined();

    await sm.send(new DeleteUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "alice" }));
    const gone = await rejection(
      sm.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "alice" })),
    );
    expect(gone).toBeInstanceOf(ResourceNotFound);
    expect(gone.name).toBe("ResourceNotFound");
    expect(gone.$metadata?.httpStatusCode).toBe(400);
  });

  it("adds, lists and deletes tags", async () => {
    const { UserProfileArn: arn = "" } = await sm.send(
      new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "bob", Tags: [{ Key: "team", Value: "ml" }] }),
    );
    const added = await sm.send(
      new AddTagsCommand({
        ResourceArn: arn,
        Tags: [
          { Key: "owner", Value: "x/y/z" },
          { Key: "team", Value: "data" },
        ],
      }),
    );
    expect(added.Tags).toEqual([
      { Key: "owner", Value: "x/y/z" },
      { Key: "team", Value: "data" },
    ]);
    expect((await sm.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: "team", Value: "data" },
      { Key: "owner", Value: "x/y/z" },
    ]);
    await sm.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ["team", "not-there"] }));
    const listed = await sm.send(new ListTagsCommand({ ResourceArn: arn, MaxResults: 50 }));
    expect(listed.Tags).toEqual([{ Key: "owner", Value: "x/y/z" }]);
    expect(listed.NextToken).toBeUndefined();

    const missing = `arn:aws:sagemaker:us-east-1:123456789012:user-profile/${DOMAIN}/nobody`;
    expect((await rejection(sm.send(new ListTagsCommand({ ResourceArn: missing })))).name).toBe("ResourceNotFound");
  });

  it("refuses tag keys with the aws: prefix in any case, on create, add and delete", async () => {
    const aws = [{ Key: "AWS:cloudformation:stack-name", Value: "x" }];
    const created = await rejection(
      sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "r", Tags: aws })),
    );
    expect(created.name).toBe("ValidationException");
    const { UserProfileArn: arn = "" } = await sm.send(
      new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "r" }),
    );
    for (const Key of ["aws:x", "Aws:x", "aWS:x"])
      expect(
        (await rejection(sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key, Value: "v" }] })))).name,
      ).toBe("ValidationException");
    expect((await rejection(sm.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ["AWS:x"] })))).name).toBe(
      "ValidationException",
    );
    // Not the prefix: a key that only contains it.
    await sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "team:aws:x", Value: "v" }] }));
    expect((await sm.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: "team:aws:x", Value: "v" },
    ]);
  });

  it("refuses more than 50 tags on a resource with ResourceLimitExceeded", async () => {
    const { UserProfileArn: arn = "" } = await sm.send(
      new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "t" }),
    );
    const tags = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ Key: `k${from + i}`, Value: "v" }));
    await sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: tags(0, 50) }));
    const err = await rejection(sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: tags(50, 1) })));
    expect(err.name).toBe("ResourceLimitExceeded");
    expect((await sm.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toHaveLength(50);
  });
});

describe("domain operations through the SDK", () => {
  it("creates, describes and lists domains in the SDK's wire format", async () => {
    const created = await sm.send(
      new CreateDomainCommand({
        DomainName: "team-a",
        AuthMode: "IAM",
        DefaultUserSettings: { ExecutionRole: ROLE, SecurityGroups: ["sg-default"] },
        SubnetIds: ["subnet-1"],
        VpcId: "vpc-1",
        AppNetworkAccessType: "VpcOnly",
        KmsKeyId: "key-1",
      }),
    );
    expect(created.DomainId).toMatch(/^d-[a-z0-9]{12}$/);
    expect(created.DomainArn).toBe(`arn:aws:sagemaker:us-east-1:123456789012:domain/${created.DomainId}`);

    const d = await sm.send(new DescribeDomainCommand({ DomainId: created.DomainId }));
    expect(d).toMatchObject({
      DomainId: created.DomainId,
      DomainArn: created.DomainArn,
      DomainName: "team-a",
      Status: "InService",
      AuthMode: "IAM",
      DefaultUserSettings: { ExecutionRole: ROLE, SecurityGroups: ["sg-default"] },
      SubnetIds: ["subnet-1"],
      VpcId: "vpc-1",
      AppNetworkAccessType: "VpcOnly",
      KmsKeyId: "key-1",
    });
    // VpcOnly domains get a SageMaker-managed NFS group.
    expect(d.SecurityGroupIdForDomainBoundary).toMatch(/^sg-nfs[0-9a-f]+$/);
    expect(d.CreationTime).toBeInstanceOf(Date);

    const list = await sm.send(new ListDomainsCommand({}));
    expect(list.Domains?.map((x) => x.DomainId)).toEqual([DOMAIN, created.DomainId]);

    const missing = await rejection(sm.send(new DescribeDomainCommand({ DomainId: "d-nothere" })));
    expect(missing.name).toBe("ResourceNotFound");
    const invalid = await rejection(
      sm.send(new CreateDomainCommand({ DomainName: "x", AuthMode: "LDAP" as "IAM", DefaultUserSettings: {} })),
    );
    expect(invalid.name).toBe("ValidationException");
    expect(invalid.message).toContain("at 'authMode' failed to satisfy constraint");
  });
});

describe("error naming", () => {
  it("gives the SDK's modeled exception classes for ResourceInUse and ResourceNotFound", async () => {
    await sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "dup" }));
    const dup = await rejection(sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "dup" })));
    expect(dup).toBeInstanceOf(ResourceInUse);
    expect(dup.message).toContain("already exists");
    const noDomain = await rejection(
      sm.send(new CreateUserProfileCommand({ DomainId: "d-nope", UserProfileName: "x" })),
    );
    expect(noDomain).toBeInstanceOf(ResourceNotFound);
  });

  it("answers like AWS JSON 1.1: __type and Message in the body, x-amzn-ErrorType and x-amzn-RequestId headers", async () => {
    const res = await rawCall(
      emu,
      { ...JSON_HEADERS, "x-amz-target": "SageMaker.DescribeUserProfile" },
      JSON.stringify({ DomainId: DOMAIN, UserProfileName: "ghost" }),
    );
    expect(res.status).toBe(400);
    expect(res.json.__type).toBe("ResourceNotFound");
    expect(res.json.Message).toContain("ghost");
    expect(res.headers.get("x-amzn-errortype")).toBe("ResourceNotFound");
    expect(res.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("content-type")).toBe("application/x-amz-json-1.1");
  });

  it("answers an unknown operation with UnknownOperationException", async () => {
    const res = await rawCall(emu, { ...JSON_HEADERS, "x-amz-target": "SageMaker.CreateNotebookInstance" });
    expect(res.status).toBe(400);
    expect(res.json.__type).toBe("UnknownOperationException");
    const none = await rawCall(emu, JSON_HEADERS);
    expect(none.json.__type).toBe("UnknownOperationException");
  });

  it("requires an Authorization header with a credential scope (any signature is accepted)", async () => {
    const res = await rawCall(emu, {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "SageMaker.ListUserProfiles",
    });
    expect(res.status).toBe(403);
    expect(res.json.__type).toBe("MissingAuthenticationTokenException");
    const unscoped = await rawCall(emu, {
      ...JSON_HEADERS,
      authorization: "AWS4-HMAC-SHA256 anything",
      "x-amz-target": "SageMaker.ListUserProfiles",
    });
    expect([unscoped.status, unscoped.json.__type]).toEqual([403, "IncompleteSignatureException"]);
    const otherService = await rawCall(emu, {
      ...JSON_HEADERS,
      authorization: AUTHORIZATION.replace("/sagemaker/", "/s3/"),
      "x-amz-target": "SageMaker.ListUserProfiles",
    });
    expect([otherService.status, otherService.json.__type]).toEqual([403, "InvalidSignatureException"]);
    const signed = await rawCall(emu, { ...JSON_HEADERS, "x-amz-target": "SageMaker.ListUserProfiles" });
    expect(signed.status).toBe(200);
    expect(signed.json).toEqual({ UserProfiles: [] });
  });

  it("answers a body that is not JSON with SerializationException", async () => {
    const res = await rawCall(emu, { ...JSON_HEADERS, "x-amz-target": "SageMaker.ListUserProfiles" }, "{nope");
    expect(res.status).toBe(400);
    expect(res.json.__type).toBe("SerializationException");
  });

  it("sends timestamps as epoch seconds", async () => {
    await sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "ts" }));
    const res = await rawCall(
      emu,
      { ...JSON_HEADERS, "x-amz-target": "SageMaker.DescribeUserProfile" },
      JSON.stringify({ DomainId: DOMAIN, UserProfileName: "ts" }),
    );
    expect(typeof res.json.CreationTime).toBe("number");
    expect(Math.abs((res.json.CreationTime as number) - Date.now() / 1000)).toBeLessThan(60);
  });
});
