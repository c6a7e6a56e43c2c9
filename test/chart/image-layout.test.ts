/**
 * The container image's runtime layout, reproduced by scripts/image-layout.ts (no container engine here): production
 * dependencies only, compiled JavaScript only, the CRD beside it, and the CLI starts from it with plain `node`: `run`
 * against the local Kubernetes API server and SageMaker emulator reconciles a profile and serves a clean /metrics.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { DEMO_DOMAIN, LOCAL_CREDENTIALS, startLocalStack } from "@sagemaker-profile-operator/local-stack/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImageLayout } from "../../scripts/image-layout.js";
import { GROUP, PLURAL, type SageMakerUserProfile, VERSION } from "../../src/api/types.js";
import { isReady } from "../e2e/harness.js";
import { applyPolicy } from "../support/policy.js";
import { waitFor } from "../support/wait.js";
import { render, repoRoot } from "./helm.js";

let layout: string;
beforeAll(() => {
  layout = buildImageLayout();
}, 300_000);
afterAll(() => {
  if (layout) rmSync(layout, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const node = (args: string[]) =>
  spawnSync(process.execPath, args, { cwd: layout, encoding: "utf8", env: { PATH: process.env.PATH } });

describe("image layout (scripts/image-layout.ts)", () => {
  it("holds the production dependencies and none of the development ones", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies))
      expect(existsSync(join(layout, "node_modules", dep)), dep).toBe(true);
    // A development dependency that a production one also needs (e.g. @types/node, via client-node) is not dev-only.
    const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.keys(pkg.devDependencies).filter((dep) => lock.packages[`node_modules/${dep}`]?.dev);
    expect(devOnly.length).toBeGreaterThan(5);
    for (const dep of devOnly) expect(existsSync(join(layout, "node_modules", dep)), dep).toBe(false);
  });

  it("holds compiled JavaScript only (no TypeScript sources, no tests) and the CRD", () => {
    expect(existsSync(join(layout, "src"))).toBe(false);
    const dist = files(join(layout, "dist")).map((f) => relative(layout, f));
    expect(dist).toContain(join("dist", "cli", "main.js"));
    expect(dist.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(dist.filter((f) => /\.test\.js$/.test(f))).toEqual([]);
    const crd = "sagemaker.gitops.io_sagemakeruserprofiles.yaml";
    expect(readFileSync(join(layout, "crds", crd), "utf8")).toBe(readFileSync(join(repoRoot, "crds", crd), "utf8"));
  });

  it("the CLI starts from it with plain node, as the image's ENTRYPOINT does", () => {
    const r = node(["dist/cli/main.js", "--help"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("sagemaker-profile-operator");
  });

  it("`run` accepts every flag the Helm chart passes", () => {
    const help = node(["dist/cli/main.js", "run", "--help"]);
    expect(help.status, help.stderr).toBe(0);
    const deployment = render({ values: ["ci/all-flags-values.yaml"] }).find(
      (d) => d.kind === "Deployment",
    ) as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const flags = (deployment.spec.template.spec.containers[0]?.args ?? [])
      .slice(1)
      .map((a) => a.split("=")[0] as string);
    expect(flags.filter((f) => !help.stdout.includes(`${f} `) && !help.stdout.includes(`${f}\n`))).toEqual([]);
  });

  it("`run` from it reconciles a profile and serves /readyz and a /metrics that passes `promtool check metrics`", async () => {
    const stack = await startLocalStack({ sagemaker: { delays: { createMs: 200, updateMs: 200, deleteMs: 200 } } });
    // As installed: the operator requires a policy; the permissive one for a single-team cluster (docs/guardrails.md).
    await applyPolicy(stack.kubeConfig, "all-namespaces", { namespaceSelector: {} });
    const operator = spawn(
      process.execPath,
      [
        "dist/cli/main.js",
        "run",
        `--kubeconfig=${stack.kube.kubeconfigPath}`,
        "--aws-region=us-east-1",
        "--cluster-id=image-layout",
        "--metrics-bind-address=127.0.0.1:0",
        "--health-probe-bind-address=127.0.0.1:0",
        "--poll-interval=300ms",
        "--shutdown-timeout=5s",
      ],
      {
        cwd: layout,
        stdio: ["ignore", "pipe", "pipe"],
        // Only what a pod would have: the SDK finds the endpoint and credentials in the standard variables.
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL_SAGEMAKER: stack.sagemaker.url,
          // STS GetCallerIdentity: the operator asks whose its credentials are before it updates a profile it created.
          AWS_ENDPOINT_URL_STS: stack.sagemaker.url,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        },
      },
    );
    let output = "";
    operator.stdout.on("data", (b: Buffer) => {
      output += b.toString();
    });
    operator.stderr.on("data", (b: Buffer) => {
      output += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => operator.on("exit", (code) => resolve(code)));
    try {
      // The ports it bound (127.0.0.1:0) are in its "operator started" log line.
      const started = await waitFor("the operator's start log line", () => {
        if (operator.exitCode !== null) throw new Error(`the operator exited (${operator.exitCode}):\n${output}`);
        return output
          .split("\n")
          .map((l) => (l.startsWith("{") ? (JSON.parse(l) as { msg?: string; metrics?: number; health?: number }) : {}))
          .find((l) => l.msg === "operator started");
      });
      const url = (port: number | undefined, path: string) => `http://127.0.0.1:${port}${path}`;
      await waitFor("/readyz 200", async () => (await fetch(url(started.health, "/readyz"))).status === 200);

      await stack.apply([join(repoRoot, "examples", "data-scientist-basic.yaml")]);
      const api = stack.kubeConfig.makeApiClient(CustomObjectsApi);
      const alice = await waitFor("team-a/alice Ready", async () => {
        const o = (await api.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: "team-a",
          name: "alice",
        })) as SageMakerUserProfile;
        return isReady(o) ? o : undefined;
      });
      expect(alice.status?.profileStatus).toBe("InService");
      expect(stack.sagemaker.store.getProfile(DEMO_DOMAIN, "alice")?.status).toBe("InService");

      const exposition = await (await fetch(url(started.metrics, "/metrics"))).text();
      // What a dashboard reads: the profile counted as InService, and the calls that got it there.
      expect(exposition).toMatch(/^sagemaker_user_profiles\{status="InService"\} 1$/m);
      expect(exposition).toMatch(/^sagemaker_api_calls_total\{operation="CreateUserProfile",outcome="success"\} 1$/m);

      const promtool = process.env.PROMTOOL ?? "promtool";
      if (spawnSync(promtool, ["--version"]).status !== 0) {
        console.warn(
          "promtool not found: skipping `promtool check metrics` on the live /metrics (apt-get install prometheus)",
        );
        return;
      }
      const r = spawnSync(promtool, ["check", "metrics"], { input: exposition, encoding: "utf8" });
      // As in test/monitoring/promtool.test.ts: prom-client's nodejs_active_*_total keep their well-known names.
      const findings = `${r.stdout}${r.stderr}`
        .split("\n")
        .filter((l) => l.trim() && !/^nodejs_active_(handles|requests|resources)_total non-counter/.test(l));
      expect(findings, "promtool check metrics findings").toEqual([]);
    } finally {
      operator.kill("SIGTERM");
      const code = await Promise.race([exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 10_000))]);
      if (code === "timeout") operator.kill("SIGKILL");
      await stack.close();
    }
  }, 120_000);
});
