import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { UserSettings } from "../../../src/api/generated/sagemaker-shapes.js";
import {
  applyUserSettingsUpdate,
  mergeNested,
  mergeUserSettingsNested,
  mergeUserSettingsUpdate,
} from "../../../src/sagemaker/semantics.js";

const stored: UserSettings = {
  ExecutionRole: "arn:aws:iam::123456789012:role/a",
  SecurityGroups: ["sg-1", "sg-2"],
  JupyterServerAppSettings: {
    DefaultResourceSpec: { InstanceType: "ml.t3.medium" },
    LifecycleConfigArns: ["arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/x"],
  },
  StudioWebPortal: "DISABLED",
};

describe("mergeUserSettingsUpdate", () => {
  it("keeps members the update omits", () => {
    const merged = mergeUserSettingsUpdate(stored, { ExecutionRole: "arn:aws:iam::123456789012:role/b" });
    expect(merged).toEqual({ ...stored, ExecutionRole: "arn:aws:iam::123456789012:role/b" });
  });

  it("replaces a present top-level member wholesale, dropping nested fields the update leaves out", () => {
    const merged = mergeUserSettingsUpdate(stored, {
      JupyterServerAppSettings: { DefaultResourceSpec: { InstanceType: "ml.t3.large" } },
    });
    expect(merged.JupyterServerAppSettings).toEqual({ DefaultResourceSpec: { InstanceType: "ml.t3.large" } });
    expect(merged.SecurityGroups).toEqual(["sg-1", "sg-2"]);
  });

  it("clears a list sent as []", () => {
    expect(mergeUserSettingsUpdate(stored, { SecurityGroups: [] }).SecurityGroups).toEqual([]);
  });

  it("treats undefined and null members as omitted", () => {
    const update = { SecurityGroups: undefined, StudioWebPortal: null } as unknown as UserSettings;
    expect(mergeUserSettingsUpdate(stored, update)).toEqual(stored);
  });

  it("works from nothing and with nothing", () => {
    expect(mergeUserSettingsUpdate(undefined, undefined)).toEqual({});
    expect(mergeUserSettingsUpdate(undefined, { StudioWebPortal: "ENABLED" })).toEqual({ StudioWebPortal: "ENABLED" });
    expect(mergeUserSettingsUpdate(stored, undefined)).toEqual(stored);
  });

  it("neither modifies its inputs nor shares objects with them", () => {
    const current = structuredClone(stored);
    const update: UserSettings = { SecurityGroups: ["sg-9"] };
    const merged = mergeUserSettingsUpdate(current, update);
    merged.SecurityGroups?.push("sg-10");
    merged.JupyterServerAppSettings?.LifecycleConfigArns?.push("arn:extra");
    expect(current).toEqual(stored);
    expect(update).toEqual({ SecurityGroups: ["sg-9"] });
  });

  it("obeys the rule for any stored and update sets of members (property)", () => {
    const value = fc.oneof(
      fc.string(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.string()),
    );
    const members = ["ExecutionRole", "SecurityGroups", "SharingSettings", "StudioWebPortal", "DefaultLandingUri"];
    const settings = fc.dictionary(fc.constantFrom(...members), value) as fc.Arbitrary<UserSettings>;
    fc.assert(
      fc.property(settings, settings, (current, update) => {
        const merged = mergeUserSettingsUpdate(current, update) as Record<string, unknown>;
        const cur = current as Record<string, unknown>;
        const upd = update as Record<string, unknown>;
        for (const m of members) {
          if (m in upd) expect(merged[m]).toEqual(upd[m]);
          else if (m in cur) expect(merged[m]).toEqual(cur[m]);
          else expect(m in merged).toBe(false);
        }
      }),
    );
  });
});

describe("mergeUserSettingsNested (the merge-nested mode)", () => {
  it("merges structures at every depth, replaces lists, and treats null as omitted", () => {
    const merged = mergeUserSettingsNested(stored, {
      JupyterServerAppSettings: { DefaultResourceSpec: { SageMakerImageArn: "arn:img" } },
      SecurityGroups: ["sg-9"],
      StudioWebPortal: null,
    } as unknown as UserSettings);
    expect(merged).toEqual({
      ...stored,
      SecurityGroups: ["sg-9"],
      JupyterServerAppSettings: {
        DefaultResourceSpec: { InstanceType: "ml.t3.medium", SageMakerImageArn: "arn:img" },
        LifecycleConfigArns: stored.JupyterServerAppSettings?.LifecycleConfigArns,
      },
    });
  });

  it("replaces a union rather than merging two of its members", () => {
    const efs = { EFSFileSystemConfig: { FileSystemId: "fs-1" } };
    const fsx = { FSxLustreFileSystemConfig: { FileSystemId: "fs-2" } };
    expect(mergeNested("CustomFileSystemConfig", efs, fsx)).toEqual(fsx);
    expect(mergeNested("EFSFileSystemConfig", { FileSystemId: "fs-1" }, { FileSystemPath: "/x" })).toEqual({
      FileSystemId: "fs-1",
      FileSystemPath: "/x",
    });
  });

  it("neither modifies its inputs nor shares objects with them; applyUserSettingsUpdate picks the semantics", () => {
    const current = structuredClone(stored);
    const update: UserSettings = { JupyterServerAppSettings: { LifecycleConfigArns: ["arn:new"] } };
    const merged = mergeUserSettingsNested(current, update);
    merged.JupyterServerAppSettings?.LifecycleConfigArns?.push("arn:extra");
    expect(current).toEqual(stored);
    expect(update).toEqual({ JupyterServerAppSettings: { LifecycleConfigArns: ["arn:new"] } });
    expect(applyUserSettingsUpdate("merge-nested", stored, update)).toEqual(mergeUserSettingsNested(stored, update));
    expect(applyUserSettingsUpdate("replace-blocks", stored, update)).toEqual(mergeUserSettingsUpdate(stored, update));
  });
});
