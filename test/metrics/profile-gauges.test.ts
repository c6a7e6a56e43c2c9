/** The per-status profile gauge a dashboard reads: counted at scrape time from the per-resource snapshots. */
import { describe, expect, it } from "vitest";
import { OperatorMetrics } from "../../src/metrics/registry.js";

const series = async (m: OperatorMetrics) =>
  (await m.registry.metrics()).split("\n").filter((l) => l.startsWith("sagemaker_user_profiles{"));

describe("sagemaker_user_profiles", () => {
  it("counts resources by profile status, Unknown before the first describe, and drops a status none has any more", async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    const snap = (profileStatus?: string) => ({ profileStatus, drifted: false, stalled: false, ready: true });
    m.recordProfile("a/1", snap("InService"));
    m.recordProfile("a/2", snap("InService"));
    m.recordProfile("a/3", snap("Updating"));
    m.recordProfile("a/4", snap());
    expect(await series(m)).toEqual([
      'sagemaker_user_profiles{status="InService"} 2',
      'sagemaker_user_profiles{status="Updating"} 1',
      'sagemaker_user_profiles{status="Unknown"} 1',
    ]);
    m.recordProfile("a/3", snap("InService"));
    m.forgetProfile("a/4");
    expect(await series(m)).toEqual(['sagemaker_user_profiles{status="InService"} 3']);
  });

  it("counts drifted, stalled and ready resources once each however often their state is recorded", async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    const gauge = async (name: string) =>
      (await m.registry.metrics()).split("\n").find((l) => l.startsWith(`${name} `));
    const state = { profileStatus: "InService", drifted: true, stalled: false, ready: false };
    m.recordProfile("a/1", state);
    m.recordProfile("a/1", { ...state });
    m.recordProfile("a/2", { ...state, drifted: false, stalled: true });
    expect(await gauge("sagemaker_user_profiles_drifted")).toBe("sagemaker_user_profiles_drifted 1");
    expect(await gauge("sagemaker_user_profiles_stalled")).toBe("sagemaker_user_profiles_stalled 1");
    m.recordProfile("a/1", { ...state, drifted: false, ready: true });
    m.forgetProfile("a/2");
    m.forgetProfile("a/2");
    expect(await gauge("sagemaker_user_profiles_drifted")).toBe("sagemaker_user_profiles_drifted 0");
    expect(await gauge("sagemaker_user_profiles_stalled")).toBe("sagemaker_user_profiles_stalled 0");
    expect(await gauge("sagemaker_user_profiles_ready")).toBe("sagemaker_user_profiles_ready 1");
    expect(await series(m)).toEqual(['sagemaker_user_profiles{status="InService"} 1']);
  });
});
