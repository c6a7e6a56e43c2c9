/**
 * Runs one chaos scenario on a fresh local stack: the scenario drives a workload and injects its faults, then the
 * faults stop and the runner waits for the invariants to hold (or a deadline), and reports a row of the table.
 */
import { writeFileSync } from "node:fs";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { seededRandom } from "@sagemaker-profile-operator/local-stack/sagemaker/rng";
import { type LocalStack, startLocalStack } from "@sagemaker-profile-operator/local-stack/stack";
import {
  type OperatorProcess,
  type OperatorProcessOptions,
  startOperatorProcess,
  stopProcess,
} from "../support/operator-process.js";
import { Cluster, NAMESPACE } from "./cluster.js";
import { checkInvariants, type Violation } from "./invariants.js";

export type Size = "short" | "full";

export interface ScenarioContext {
  size: Size;
  stack: LocalStack;
  cluster: Cluster;
  random: () => number;
  /** Counts a fault as injected (the table's "faults injected" column). */
  tally(fault: string, n?: number): void;
  /** Violations only this scenario can see (e.g. a write by a deposed leader). */
  violation(v: Violation): void;
  operator(o: Omit<OperatorProcessOptions, "name"> & { name?: string }): OperatorProcess;
  /** The Lease's holder, or "" when none. */
  leaseHolder(): Promise<string>;
  log(msg: string): void;
}

export interface Scenario {
  name: string;
  /** What is done to the system, for the docs. */
  faults: string;
  /** How many resources at each size. */
  resources: Record<Size, number>;
  run(ctx: ScenarioContext): Promise<void>;
}

export interface ScenarioResult {
  scenario: string;
  resources: number;
  faults: Record<string, number>;
  /** Resources (not deleted) Ready at their latest generation, over all not deleted. */
  converged: string;
  /** From the end of the faults to all invariants holding. */
  convergeSeconds?: number;
  seconds: number;
  violations: Violation[];
}

const CONVERGE_TIMEOUT_MS: Record<Size, number> = { short: 60_000, full: 180_000 };

export async function runScenario(scenario: Scenario, size: Size, seed: number): Promise<ScenarioResult> {
  const started = Date.now();
  const stack = await startLocalStack({
    sagemaker: { seed, delays: { createMs: 500, updateMs: 300, deleteMs: 300 } },
    kube: { bookmarkIntervalMs: 2_000 },
  });
  const cluster = new Cluster(stack);
  const processes: OperatorProcess[] = [];
  const faults: Record<string, number> = {};
  const extra: Violation[] = [];
  const random = seededRandom(seed); // a failing run replays with CHAOS_SEED
  const verbose = process.env.CHAOS_VERBOSE === "1";
  const leases = stack.kubeConfig.makeApiClient(CoordinationV1Api);
  let n = 0;
  const ctx: ScenarioContext = {
    size,
    stack,
    cluster,
    random,
    tally: (fault, k = 1) => {
      faults[fault] = (faults[fault] ?? 0) + k;
    },
    violation: (v) => extra.push(v),
    operator: (o) => {
      const p = startOperatorProcess(stack, { ...o, name: o.name ?? `${scenario.name}-${++n}` });
      processes.push(p);
      return p;
    },
    leaseHolder: async () => {
      try {
        const lease = await leases.readNamespacedLease({ name: "sagemaker-profile-operator", namespace: "default" });
        return lease.spec?.holderIdentity ?? "";
      } catch {
        return "";
      }
    },
    log: (msg) => {
      if (verbose) console.log(`[${scenario.name} +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
    },
  };
  try {
    await stack.ensureNamespaces([NAMESPACE]);
    await scenario.run(ctx);
    // Faults end here: no more SageMaker rules; the API server is up.
    stack.sagemaker.admin.clearFaults();
    stack.kube.faults.setUnavailable(0);
    const running = processes.filter((p) => p.exitCode() === undefined);
    if (running.length === 0) throw new Error("no operator process left running at the end of the scenario");
    const faultsEnded = Date.now();
    let violations = await checkInvariants(cluster);
    while (violations.length > 0 && Date.now() - faultsEnded < CONVERGE_TIMEOUT_MS[size]) {
      await sleep(500);
      violations = await checkInvariants(cluster);
    }
    const convergeSeconds = violations.length === 0 ? (Date.now() - faultsEnded) / 1000 : undefined;
    const items = await cluster.list();
    const live = items.filter((o) => !cluster.deleted.has(o.metadata.name));
    const ready = violations.filter((v) => v.invariant === "converged").map((v) => v.resource);
    const all = [...extra, ...violations];
    if (all.length > 0) {
      console.log(`${scenario.name}: ${all.length} violation(s)`, all.slice(0, 20));
      if (process.env.CHAOS_DUMP)
        writeFileSync(
          process.env.CHAOS_DUMP,
          processes.map((p) => p.logs.map((l) => JSON.stringify({ proc: p.name, ...l })).join("\n")).join("\n"),
        );
      for (const p of processes)
        console.log(
          `--- ${p.name} (exit ${p.exitCode()}) last log lines:\n${p.logs
            .slice(-15)
            .map((l) => JSON.stringify(l))
            .join("\n")}`,
        );
    }
    return {
      scenario: scenario.name,
      resources: cluster.latest.size,
      faults,
      converged: `${live.length - new Set(ready).size}/${live.length}`,
      convergeSeconds,
      seconds: (Date.now() - started) / 1000,
      violations: all,
    };
  } finally {
    await Promise.all(processes.map((p) => stopProcess(p)));
    await stack.close();
  }
}

/** The results as a Markdown table. */
export function table(results: ScenarioResult[]): string {
  const rows = results.map((r) => [
    r.scenario,
    String(r.resources),
    Object.entries(r.faults)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ") || "none",
    `${r.converged}${r.convergeSeconds !== undefined ? ` in ${r.convergeSeconds.toFixed(1)} s` : ""}`,
    String(r.violations.length),
    `${r.seconds.toFixed(0)} s`,
  ]);
  const head = ["scenario", "resources", "faults injected", "converged", "invariant violations", "run time"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
