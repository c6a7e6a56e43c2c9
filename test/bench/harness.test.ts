/**
 * `npm run bench -- --small` inside `npm test`: every scenario runs end to end at N = 200 (three processes each, the
 * compiled CLI), converges, and reports every figure. Timings are not judged here (that is `npm run bench`), only
 * what does not depend on the machine's speed: counts of writes and calls.
 */
import { describe, expect, it } from "vitest";
import { runBench } from "../../bench/run.js";

describe("benchmark harness (N = 200)", () => {
  it("runs every scenario to convergence and reports every figure", async () => {
    const lines: string[] = [];
    const report = await runBench({ size: "small", log: (l) => lines.push(l) });
    expect(report.results.map((r) => r.scenario.split(" N=")[0])).toEqual([
      "convergence",
      "convergence",
      "steady state",
      "throttle adaptation",
      "ResourceInUse storm",
      "fair share",
      "accounts",
      "sharding",
    ]);
    for (const r of report.results)
      for (const f of [...r.figures, ...r.goals])
        expect(Number.isFinite(f.value), `${r.scenario}: ${f.name}`).toBe(true);

    const figure = (scenario: string, name: string) =>
      report.results.find((r) => r.scenario.startsWith(scenario))?.figures.find((f) => f.name === name)?.value;
    const large = report.results[1]?.scenario ?? "";
    // Converged and left alone: no Kubernetes write at all, and far fewer SageMaker calls than a Describe per profile.
    expect(figure(large, "steady state: Kubernetes writes")).toBe(0);
    expect(figure("steady state", "ours: Kubernetes writes")).toBe(0);
    // About one Describe per profile per period (resyncs are jittered, so a few fall outside the window).
    expect(figure("steady state", "naive: AWS calls per profile per resync period")).toBeGreaterThan(0.8);
    expect(figure("steady state", "ours: AWS calls per profile per resync period")).toBeLessThan(0.5);
    // One update per drifted profile: nothing sent twice.
    expect(figure(large, "AWS calls per converged profile")).toBeLessThan(6);
    // An edit: Describe, UpdateUserProfile and the Describe that sees it InService (ownership remembered from the
    // reconcile that read the owner tag: no ListTags), a second Describe only when the settle estimate missed.
    expect(figure(large, "AWS calls per edited profile")).toBeLessThanOrEqual(3.2);
    // A new resource: CreateUserProfile and the Describe that sees it (no Describe first once a List has run), and no
    // Creating status of its own when SageMaker settles at once: finalizer, Created event, InSync status.
    expect(figure(large, "AWS calls per created profile")).toBeLessThanOrEqual(2.5);
    expect(figure(large, "Kubernetes writes per created profile")).toBeLessThanOrEqual(3);
    // Applied at once, the same two calls each: the Describe after each create, taken ahead of the creates still
    // queued, came after the settle estimate as planned (a Describe too early would be a third call).
    expect(figure(large, "created at once: AWS calls per created profile")).toBeLessThanOrEqual(2.5);
    // The storm's every edit reached SageMaker, the quiet namespace's too (else the scenario throws).
    expect(figure("fair share", "storm: busy namespace's update rate / R")).toBeGreaterThan(0);
    // Sharded replicas: no profile written by a replica outside its term on the profile's shard, before or after the
    // SIGKILL of one of them (every profile converged, or the scenario throws).
    const sharded = report.results.find((r) => r.scenario.startsWith("sharding"));
    expect(sharded?.goals.find((g) => g.name === "profile writes outside the writer's shard term")?.value).toBe(0);
    expect(figure("sharding", "profile writes checked against the writer's shard terms")).toBeGreaterThan(0);
    // The table was printed, one line per figure.
    expect(lines.some((l) => l.includes("achieved / R"))).toBe(true);
  }, 600_000);
});
