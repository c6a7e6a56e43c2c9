import { describe, expect, it } from "vitest";
import { OWNER_TAG } from "../../src/api/types.js";
import { buildCreateRequest } from "../../src/drift/index.js";
import { DOMAIN, NAME, ROLE } from "./fixtures.js";

describe("create request", () => {
  it("carries the identity, the settings in SageMaker form, the spec's tags and the owner tag", () => {
    const req = buildCreateRequest(
      {
        domainId: DOMAIN,
        singleSignOnUserIdentifier: "UserName",
        singleSignOnUserValue: "alice@example.com",
        userSettings: {
          executionRole: ROLE,
          securityGroups: [],
          jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "system" } },
          customFileSystemConfigs: [{ eFSFileSystemConfig: { fileSystemId: "fs-1" } }],
        },
        tags: [{ key: "team", value: "a" }],
        managementPolicy: "Manage",
      },
      NAME,
      "cluster-1/team-a/alice",
    );
    expect(req).toEqual({
      DomainId: DOMAIN,
      UserProfileName: NAME,
      SingleSignOnUserIdentifier: "UserName",
      SingleSignOnUserValue: "alice@example.com",
      UserSettings: {
        ExecutionRole: ROLE,
        SecurityGroups: [],
        JupyterServerAppSettings: { DefaultResourceSpec: { InstanceType: "system" } },
        CustomFileSystemConfigs: [{ EFSFileSystemConfig: { FileSystemId: "fs-1" } }],
      },
      Tags: [
        { Key: "team", Value: "a" },
        { Key: OWNER_TAG, Value: "cluster-1/team-a/alice" },
      ],
    });
  });

  it("without settings or tags sends only the owner tag, and the owner tag cannot be overridden by the spec", () => {
    const req = buildCreateRequest(
      { domainId: DOMAIN, tags: [{ key: OWNER_TAG, value: "someone-else" }] },
      NAME,
      "cluster-1/team-a/alice",
    );
    expect(req).toEqual({
      DomainId: DOMAIN,
      UserProfileName: NAME,
      Tags: [{ Key: OWNER_TAG, Value: "cluster-1/team-a/alice" }],
    });
  });
});
