/**
 * The container image's runtime layout, reproduced by scripts/image-layout.ts (no container engine here): production
 * dependencies only, compiled JavaScript only, the CRD beside it, and the CLI starts from it with plain `node`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImageLayout } from "../../scripts/image-layout.js";
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

  it("`run` accepts every flag the Helm chart passes", (ctx) => {
    if (!existsSync(join(layout, "dist", "cli", "commands", "run.js")))
      ctx.skip("dist/cli/commands/run.js does not exist yet");
    const help = node(["dist/cli/main.js", "run", "--help"]);
    if (help.status !== 0 && /unknown command/.test(help.stderr))
      ctx.skip("`run` is not registered in src/cli/main.ts yet");
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

  // Starting `run` from this layout against the local servers and checking /metrics with promtool is added with the
  // operator's end-to-end tests (it needs src/local/kube and src/local/sagemaker).
});
