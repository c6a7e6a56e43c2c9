import { describe, expect, it } from "vitest";
import { validateShape } from "../../src/api/model.js";

describe("validateShape (SageMaker's own validation, used by the emulator)", () => {
  it("rejects a pathological repository URL at once instead of backtracking for minutes", () => {
    // With JavaScript's backtracking engine this input does not finish within the test timeout.
    const violations = validateShape("JupyterServerAppSettings", {
      CodeRepositories: [{ RepositoryUrl: `https://${"a-".repeat(40)}!` }],
    });
    expect(violations.map((v) => v.path)).toEqual(["CodeRepositories[0].RepositoryUrl"]);
  });

  it("accepts a real repository URL and checks the pattern against the whole value", () => {
    expect(validateShape("CodeRepository", { RepositoryUrl: "https://github.com/org/repo.git" })).toEqual([]);
    expect(validateShape("SecurityGroupIds", ["sg-1", "sg 2"]).map((v) => v.path)).toEqual(["[1]"]);
  });
});
