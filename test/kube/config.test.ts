import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKubeConfig } from "../../src/kube/config.js";

const dir = mkdtempSync(join(tmpdir(), "kube-config-test-"));
function kubeconfig(file: string, context: string, server: string): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
current-context: ${context}
clusters: [{name: ${context}, cluster: {server: "${server}"}}]
users: [{name: ${context}, user: {token: t}}]
contexts: [{name: ${context}, context: {cluster: ${context}, user: ${context}}}]
`,
  );
  return path;
}

describe("loadKubeConfig", () => {
  const a = kubeconfig("a.yaml", "a", "https://a.example:6443");
  const b = kubeconfig("b.yaml", "b", "https://b.example:6443");
  const emptyHome = mkdtempSync(join(tmpdir(), "home-"));

  it("an explicit path wins over KUBECONFIG", () => {
    const kc = loadKubeConfig({ path: b, env: { KUBECONFIG: a }, homeDir: emptyHome });
    expect(kc.getCurrentCluster()?.server).toBe("https://b.example:6443");
  });

  it("KUBECONFIG may list several files: the first one's context is current, the others' contexts are usable", () => {
    const kc = loadKubeConfig({ env: { KUBECONFIG: [a, b].join(delimiter) }, homeDir: emptyHome });
    expect(kc.getCurrentCluster()?.server).toBe("https://a.example:6443");
    const other = loadKubeConfig({ env: { KUBECONFIG: [a, b].join(delimiter) }, context: "b", homeDir: emptyHome });
    expect(other.getCurrentCluster()?.server).toBe("https://b.example:6443");
  });

  it("falls back to ~/.kube/config, and fails (instead of localhost:8080) when there is nothing", () => {
    const home = mkdtempSync(join(tmpdir(), "home-"));
    expect(() => loadKubeConfig({ env: {}, homeDir: home })).toThrow(/no Kubernetes configuration/);
    const kubeDir = join(home, ".kube");
    mkdirSync(kubeDir);
    writeFileSync(join(kubeDir, "config"), readFileSync(a, "utf8"));
    expect(loadKubeConfig({ env: {}, homeDir: home }).getCurrentCluster()?.server).toBe("https://a.example:6443");
  });
});
