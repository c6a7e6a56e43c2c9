/**
 * The fault-injection suite (issue #7): every scenario against the real client-node and AWS SDK, the operator as
 * `run` processes. `npm test` runs the short set (a few resources, short fault windows); `npm run test:chaos`
 * (CHAOS=full) runs them at full size. CHAOS_SEED replays a run; CHAOS_ONLY=name runs one scenario.
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioResult, type Size, table } from "./runner.js";
import { SCENARIOS } from "./scenarios.js";

const size: Size = process.env.CHAOS === "full" ? "full" : "short";
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const only = process.env.CHAOS_ONLY;
const results: ScenarioResult[] = [];

describe(`chaos (${size}, seed ${seed})`, () => {
  afterAll(() => {
    if (results.length === 0) return;
    const text = table(results);
    console.log(`\nchaos ${size} run, seed ${seed}\n${text}\n`);
    if (process.env.CHAOS_REPORT) writeFileSync(process.env.CHAOS_REPORT, `${text}\n`);
  });

  for (const scenario of SCENARIOS.filter((s) => !only || s.name === only))
    it(
      scenario.name,
      async () => {
        const result = await runScenario(scenario, size, seed);
        results.push(result);
        expect(result.violations).toEqual([]);
      },
      size === "full" ? 600_000 : 90_000,
    );
});
