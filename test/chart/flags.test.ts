/**
 * The chart's container args are parsed by the operator's real `run` flag parser: every value reaches the flag it is
 * documented to set, the chart's defaults equal the operator's, and every operator flag is reachable from values.
 */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { configFromFlags, operatorFlags } from "../../src/cli/commands/run.js";
import { defaultConfig, type OperatorConfig } from "../../src/operator/config.js";
import { findOne, NAMESPACE, type RenderOptions, render } from "./helm.js";

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, validated against the OpenAPI schemas in chart.test.ts
type Any = any;

function renderedContainer(o: RenderOptions): Any {
  return (findOne(render(o), "Deployment") as Any).spec.template.spec.containers[0];
}

/** Parses container args the way `node dist/cli/main.js run ...` does, and returns the operator's config. */
function parseArgs(args: string[], env: Record<string, string | undefined> = {}): OperatorConfig {
  expect(args[0]).toBe("run");
  const cmd = operatorFlags(new Command("run")).exitOverride();
  cmd.parse(args.slice(1), { from: "user" });
  const saved = { ...process.env };
  try {
    Object.assign(process.env, env);
    return configFromFlags(cmd.opts() as Parameters<typeof configFromFlags>[0]);
  } finally {
    process.env = saved;
  }
}

const envValue = (c: Any, name: string) => (c.env as Any[]).find((e) => e.name === name)?.value;

describe("chart args → operator flags", () => {
  it("the defaults equal the operator's own defaults", () => {
    const c = renderedContainer({ set: { clusterId: "c1", "aws.region": "eu-west-1" } });
    const config = parseArgs(c.args, { AWS_REGION: envValue(c, "AWS_REGION") });
    const d = defaultConfig();
    expect(config).toEqual({ ...d, clusterId: "c1", aws: { ...d.aws, region: "eu-west-1" } });
  });

  it("every value reaches its flag (ci/all-flags-values.yaml)", () => {
    const c = renderedContainer({ values: ["ci/all-flags-values.yaml"] });
    const config = parseArgs(c.args, { AWS_REGION: envValue(c, "AWS_REGION") });
    expect(envValue(c, "AWS_ENDPOINT_URL_SAGEMAKER")).toBe("https://api.sagemaker.us-west-2.amazonaws.com");
    expect(config).toMatchObject({
      namespaces: ["ml-platform"],
      // extraArgs come last, so --workers=7 overrides workers: 6
      workers: 7,
      clusterId: "staging-us-2",
      requirePolicy: false,
      aws: {
        region: "us-west-2",
        accountId: "210987654321",
        rps: 2.5,
        burst: 7,
        concurrency: 3,
        mutatingRps: 1.5,
        mutatingBurst: 2,
        maxAttempts: 5,
        requestTimeoutMs: 12_000,
      },
      resyncPeriodMs: 30 * 60_000,
      ownerRecheckMs: 5 * 60_000,
      pollIntervalMs: 20_000,
      stalledRetryMs: 3_600_000,
      inUseBackoffBaseMs: 10_000,
      inUseBackoffMaxMs: 10 * 60_000,
      leaderElection: {
        enabled: true,
        namespace: "ops",
        id: "smpo-staging",
        leaseDurationMs: 30_000,
        renewDeadlineMs: 20_000,
        retryPeriodMs: 5_000,
      },
      sharding: { enabled: true },
      metricsBindAddress: ":9090",
      healthProbeBindAddress: ":9091",
      logLevel: "debug",
      shutdownTimeoutMs: 45_000,
    });
    expect(c.ports.map((p: Any) => p.containerPort)).toEqual([9090, 9091]);
  });

  it("every operator flag is reachable from values (except --kubeconfig: in-cluster; --aws-region: AWS_REGION)", () => {
    const c = renderedContainer({ values: ["ci/all-flags-values.yaml"] });
    const rendered = new Set((c.args as string[]).map((a) => a.split("=")[0]));
    const flags = operatorFlags(new Command("run")).options.map((o) => o.long as string);
    const missing = flags.filter((f) => !rendered.has(f) && f !== "--kubeconfig" && f !== "--aws-region");
    expect(missing).toEqual([]);
  });

  it("--aws-account-id takes 12 digits and refuses anything else, naming the flag", () => {
    expect(parseArgs(["run", "--aws-account-id=012345678901"]).aws.accountId).toBe("012345678901");
    expect(parseArgs(["run"]).aws).not.toHaveProperty("accountId");
    for (const bad of ["12345", "1234567890123", "12345678901a", "arn:aws:iam::123456789012:root"])
      expect(() => parseArgs(["run", `--aws-account-id=${bad}`])).toThrow(
        `--aws-account-id must be an AWS account id (12 digits), got "${bad}"`,
      );
  });

  it("the lease namespace defaults to the release namespace", () => {
    const c = renderedContainer({ set: { clusterId: "c1", "aws.region": "eu-west-1", replicaCount: 2 } });
    expect(parseArgs(c.args).leaderElection).toMatchObject({ enabled: true, namespace: NAMESPACE });
  });
});
