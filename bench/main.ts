/**
 * `npm run bench`: the benchmark suite (not part of `npm test`). Builds the CLI, runs every scenario against the
 * local API server and SageMaker emulator (separate processes), prints a table of figures and PASS/FAIL goals, and
 * writes docs/benchmarks/ (results.json, chart.svg, README.md).
 *
 *   npm run bench                      # full: 10,000 resources, about 17 minutes on 2 cores
 *   npm run bench -- --small           # N = 200: the harness check `npm test` also runs (no files written)
 *   npm run bench -- --only storm      # scenarios whose name contains "storm"
 */

import { join } from "node:path";
import { Command } from "commander";
import { repoRoot } from "./processes.js";
import { rewriteReport } from "./report.js";
import { runBench } from "./run.js";

const program = new Command("bench")
  .option("--small", "N = 200 and short periods: checks the harness, not the goals")
  .option("--only <text>", "run only scenarios whose name contains this")
  .option(
    "--out <dir>",
    "where to write results.json, chart.svg and README.md (default: docs/benchmarks; not with --small)",
  )
  .option("--rewrite", "only rewrite chart.svg and README.md from the results.json already there")
  .parse();
const flags = program.opts<{ small?: boolean; only?: string; out?: string; rewrite?: boolean }>();

if (flags.rewrite) {
  rewriteReport(flags.out ?? join(repoRoot, "docs", "benchmarks"));
  process.exit(0);
}
const report = await runBench({
  size: flags.small ? "small" : "full",
  only: flags.only,
  out: flags.out,
  log: (line) => console.log(line),
});
process.exitCode = report.failed > 0 ? 1 : 0;
