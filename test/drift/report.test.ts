/** How drift is reported: JSON Patch into the spec, fields, changes, blocks and the human message. */
import jsonpatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { userSettingsToSageMaker } from "../../src/api/mapping.js";
import type { SpecUserSettings } from "../../src/api/types.js";
import { compare } from "../../src/drift/compare.js";
import { computeDrift, formatChange } from "../../src/drift/index.js";
import { observedSpec } from "../../src/drift/normalize.js";
import { described, lcc, NAME, ROLE, spec } from "./fixtures.js";

const desired: SpecUserSettings = {
  executionRole: ROLE,
  securityGroups: ["sg-1", "sg-2"],
  sharingSettings: { notebookOutputOption: "Allowed" },
  jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } },
  kernelGatewayAppSettings: { customImages: [{ imageName: "a", appImageConfigName: "c", imageVersionNumber: 2 }] },
  codeEditorAppSettings: { lifecycleConfigArns: [lcc("a")] },
};
const observed = described({
  ExecutionRole: ROLE,
  SecurityGroups: ["sg-2", "sg-1"],
  JupyterServerAppSettings: { DefaultResourceSpec: { InstanceType: "ml.t3.medium", SageMakerImageArn: "arn:img" } },
  KernelGatewayAppSettings: { CustomImages: [{ ImageName: "a", AppImageConfigName: "c", ImageVersionNumber: 1 }] },
  CodeEditorAppSettings: { LifecycleConfigArns: [lcc("b")] },
});

describe("drift report", () => {
  const r = computeDrift(spec(desired), NAME, observed);

  it("is an RFC 6902 patch from observed to desired with paths into the spec, declared fields only", () => {
    expect(r.patch).toEqual([
      { op: "add", path: "/userSettings/sharingSettings", value: { notebookOutputOption: "Allowed" } },
      {
        op: "replace",
        path: "/userSettings/jupyterServerAppSettings/defaultResourceSpec/instanceType",
        value: "ml.t3.large",
      },
      { op: "replace", path: "/userSettings/kernelGatewayAppSettings/customImages/0/imageVersionNumber", value: 2 },
      { op: "replace", path: "/userSettings/codeEditorAppSettings/lifecycleConfigArns", value: [lcc("a")] },
    ]);
  });

  it("the patch applies to the observed declared fields and yields a profile in sync", () => {
    const view = compare("UserSettings", desired, observedSpec(observed.UserSettings), ["userSettings"], {}).view;
    const doc = { userSettings: view };
    expect(jsonpatch.validate(r.patch, doc)).toBeUndefined();
    const patched = jsonpatch.applyPatch(doc, r.patch, true, false).newDocument;
    const after = described(userSettingsToSageMaker(patched.userSettings as SpecUserSettings));
    expect(computeDrift(spec(desired), NAME, after).drifted).toBe(false);
  });

  it("lists the differing fields as sorted JSON pointers and the drifted blocks in model order", () => {
    expect(r.fields).toEqual([
      "/userSettings/codeEditorAppSettings/lifecycleConfigArns",
      "/userSettings/jupyterServerAppSettings/defaultResourceSpec/instanceType",
      "/userSettings/kernelGatewayAppSettings/customImages/0/imageVersionNumber",
      "/userSettings/sharingSettings/notebookOutputOption",
    ]);
    expect(r.blocks).toEqual([
      "sharingSettings",
      "jupyterServerAppSettings",
      "kernelGatewayAppSettings",
      "codeEditorAppSettings",
    ]);
    expect(Object.keys(r.updateRequest?.UserSettings ?? {})).toEqual([
      "SharingSettings",
      "JupyterServerAppSettings",
      "KernelGatewayAppSettings",
      "CodeEditorAppSettings",
    ]);
  });

  it("formats each change for people: dotted path, old -> new, <unset>, compact JSON", () => {
    expect(r.changes.map(formatChange)).toEqual([
      "sharingSettings.notebookOutputOption: <unset> -> Allowed",
      "jupyterServerAppSettings.defaultResourceSpec.instanceType: ml.t3.medium -> ml.t3.large",
      "kernelGatewayAppSettings.customImages[0].imageVersionNumber: 1 -> 2",
      `codeEditorAppSettings.lifecycleConfigArns: ["${lcc("b")}"] -> ["${lcc("a")}"]`,
    ]);
    expect(formatChange({ path: "/userSettings/defaultLandingUri", from: "", to: "studio::" })).toBe(
      'defaultLandingUri: "" -> studio::',
    );
    expect(formatChange({ path: "/userSettings/securityGroups", from: ["sg-1"], to: [] })).toBe(
      'securityGroups: ["sg-1"] -> []',
    );
  });
});
