/**
 * CI's dependency audit: fails on known high or critical vulnerabilities in what the image ships (production
 * dependencies). A registry without the audit endpoint (some mirrors answer 405) is reported and does not fail the
 * run: no answer is not a finding.
 */
import { spawnSync } from "node:child_process";

const r = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8" });
let report: { metadata?: { vulnerabilities?: Record<string, number> }; message?: string; statusCode?: number };
try {
  report = JSON.parse(r.stdout);
} catch {
  console.error(`npm audit gave no report (exit ${r.status}):\n${r.stderr}`);
  process.exit(1);
}
const counts = report.metadata?.vulnerabilities;
if (!counts) {
  console.warn(`warning: npm audit could not ask the registry (${report.message ?? `exit ${r.status}`}); skipped`);
  process.exit(0);
}
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(`npm audit (production dependencies): ${JSON.stringify(counts)}`);
if (serious > 0) {
  spawnSync("npm", ["audit", "--omit=dev", "--audit-level=high"], { stdio: "inherit" });
  process.exit(1);
}
