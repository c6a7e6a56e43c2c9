import { describe, expect, it } from "vitest";
import { displayPath, palette, renderChange } from "../../src/cli/output.js";
import { formatChange } from "../../src/drift/index.js";

describe("palette", () => {
  it("colours a terminal only, and never when NO_COLOR is set", () => {
    expect(palette({ isTTY: true }, {}).red("x")).toBe("\u001b[31mx\u001b[39m");
    expect(palette({ isTTY: true }, { NO_COLOR: "1" }).red("x")).toBe("x");
    expect(palette({ isTTY: false }, {}).red("x")).toBe("x");
    expect(palette({}, {}).bold("x")).toBe("x");
  });
});

describe("renderChange", () => {
  it("shows paths below userSettings the way people write them", () => {
    expect(displayPath("/userSettings/kernelGatewayAppSettings/customImages/0/imageName")).toBe(
      "kernelGatewayAppSettings.customImages[0].imageName",
    );
    expect(displayPath("/tags/a~1b")).toBe("tags.a/b");
  });

  it("lists items added and removed, whatever their order", () => {
    const change = { path: "/userSettings/securityGroups", from: ["sg-b", "sg-a"], to: ["sg-a", "sg-c"] };
    expect(renderChange(change, formatChange)).toEqual(["+ securityGroups: sg-c", "- securityGroups: sg-b"]);
    expect(renderChange({ ...change, to: [] }, formatChange)).toEqual([
      "- securityGroups: sg-b",
      "- securityGroups: sg-a",
    ]);
  });

  it("shows structured list items as JSON", () => {
    const path = "/userSettings/jupyterLabAppSettings/customImages";
    const image = (imageName: string) => ({ imageName, appImageConfigName: "cfg" });
    expect(renderChange({ path, from: [image("a")], to: [image("b")] }, formatChange)).toEqual([
      `+ jupyterLabAppSettings.customImages: ${JSON.stringify(image("b"))}`,
      `- jupyterLabAppSettings.customImages: ${JSON.stringify(image("a"))}`,
    ]);
  });

  it("uses + for a field SageMaker lacks and ~ for a changed value", () => {
    expect(
      renderChange({ path: "/userSettings/studioWebPortal", from: undefined, to: "ENABLED" }, formatChange),
    ).toEqual(["+ studioWebPortal: ENABLED"]);
    const changed = { path: "/userSettings/studioWebPortal", from: "DISABLED", to: "ENABLED" };
    expect(renderChange(changed, formatChange)).toEqual([`~ ${formatChange(changed)}`]);
    expect(renderChange(changed, formatChange)[0]).toContain("DISABLED -> ENABLED");
  });
});
