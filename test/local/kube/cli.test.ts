/** `local-kube` command: starts the server with the repository's CRDs, prints the KUBECONFIG line, stops on SIGTERM. */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCAL_STACK_CLI } from "../../cli/run-cli.js";
import { kubectlRunner } from "./helpers.js";

const repoRoot = join(import.meta.dirname, "../../..");

describe("local-kube command", () => {
  it("serves kubectl until SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "local-kube-cli-"));
    const kubeconfig = join(dir, "kubeconfig");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", LOCAL_STACK_CLI, "local-kube", "--port", "0", "--kubeconfig", kubeconfig],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!stdout.includes("export KUBECONFIG=")) {
      if (Date.now() > deadline) throw new Error(`no KUBECONFIG line; output: ${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(stdout).toContain(`export KUBECONFIG=${kubeconfig}`);
    expect(stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(await readFile(kubeconfig, "utf8")).toContain("server: http://127.0.0.1:");

    const kubectl = await kubectlRunner(kubeconfig);
    const crds = await kubectl(["get", "crd", "-o", "name"]);
    // Every CRD of the repository's crds/ folder (sagemaker.gitops.io_<plural>.yaml), by name.
    const expected = (await readdir(join(repoRoot, "crds")))
      .map((f) => /^(.+)_(.+)\.yaml$/.exec(f))
      .filter((m) => m !== null)
      .map((m) => `customresourcedefinition.apiextensions.k8s.io/${m[2]}.${m[1]}`)
      .sort();
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(crds.stdout.trim().split("\n")).toEqual(expected);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
