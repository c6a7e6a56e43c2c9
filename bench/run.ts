/** Runs the scenarios in order, prints the table, and (full size) writes docs/benchmarks/. */
import { join } from "node:path";
import { accountIsolation } from "./accounts.js";
import { fairShare } from "./fairness.js";
import { ensureBuild, repoRoot } from "./processes.js";
import { renderTable, writeReport } from "./report.js";
import {
  convergence,
  FULL,
  meets,
  type ScenarioResult,
  type Sizes,
  SMALL,
  steadyStateNaive,
  storm,
  throttleAdaptation,
} from "./scenarios.js";
import { sharding } from "./sharding.js";

export interface BenchOptions {
  size: "full" | "small";
  only?: string;
  /** Output directory; default docs/benchmarks for the full size, none for small. */
  out?: string;
  log: (line: string) => void;
}

export interface BenchReport {
  results: ScenarioResult[];
  failed: number;
}

type Scenario = { name: string; run: (sizes: Sizes) => Promise<ScenarioResult | ScenarioResult[]> };

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const { log } = options;
  const full = options.size === "full";
  const sizes = full ? FULL : SMALL;
  const scenarios: Scenario[] = [
    { name: "convergence medium", run: (s) => convergence(s.medium, s, log, false) },
    { name: "convergence large", run: (s) => convergence(s.large, s, log, true) },
    { name: "steady state naive", run: (s) => steadyStateNaive(s, log) },
    { name: "throttle adaptation", run: (s) => throttleAdaptation(s, log) },
    { name: "storm", run: (s) => storm(s, log) },
    { name: "fairness", run: (s) => fairShare(s, log) },
    { name: "accounts", run: (s) => accountIsolation(s, log) },
    { name: "sharding", run: (s) => sharding(s, log) },
  ];
  const selected = scenarios.filter((s) => !options.only || s.name.includes(options.only));
  log("building the CLI (.bench/dist, .bench/operator)");
  await ensureBuild();
  const started = Date.now();
  const results: ScenarioResult[] = [];
  for (const [i, s] of selected.entries()) {
    log(`[${i + 1}/${selected.length}] ${s.name} (${((Date.now() - started) / 1000).toFixed(0)} s elapsed)`);
    const out = await s.run(sizes);
    results.push(...(Array.isArray(out) ? out : [out]));
  }
  for (const line of renderTable(results, full)) log(line);
  // Goals are judged at full size only: the small run checks that the harness works, not how fast this machine is.
  const failed = full ? results.flatMap((r) => r.goals).filter((g) => !meets(g)).length : 0;
  log(`${full ? `${failed} goal(s) failed; ` : ""}done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const out = options.out ?? (full && !options.only ? join(repoRoot, "docs", "benchmarks") : undefined);
  if (out) {
    writeReport(out, results, sizes, (Date.now() - started) / 1000);
    log(`wrote ${out}/results.json, chart.svg, README.md`);
  }
  return { results, failed };
}
