/**
 * examples/gitops and the manifests in the GitOps docs: everything parses; the SageMakerUserProfile documents pass
 * `validate`; the Argo CD and Flux objects have the kinds and API versions those tools serve, and every path, chart,
 * source, project and dependency they name exists; the chart values they carry render with the real `helm`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Application, AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { GitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { render } from "../chart/helm.js";
import { runCli } from "../cli/run-cli.js";

const root = join(import.meta.dirname, "..", "..");
const GITOPS = join(root, "examples", "gitops");

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: manifests of six kinds, read field by field below
  spec: Record<string, any>;
}

const files = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

function parse(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((d) => {
    if (d.errors.length) throw new Error(`${relative(root, file)}: ${d.errors[0]?.message}`);
    return d.toJS() as Obj;
  });
}

const all = files(GITOPS).map((f) => ({ file: relative(root, f), docs: parse(f) }));
const objects = all.flatMap((f) => f.docs.map((o) => ({ file: f.file, ...o })));
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
/** A path in the repository, as Argo CD (`path: a/b`) and Flux (`path: ./a/b`) write them. */
const inRepo = (p: string) => join(root, p.replace(/^\.\//, ""));

/** The API versions the current Argo CD and Flux serve for each kind. */
const SERVED: Record<string, string> = {
  Application: "argoproj.io/v1alpha1",
  AppProject: "argoproj.io/v1alpha1",
  GitRepository: "source.toolkit.fluxcd.io/v1",
  Kustomization: "kustomize.toolkit.fluxcd.io/v1",
  HelmRelease: "helm.toolkit.fluxcd.io/v2",
  Namespace: "v1",
  SageMakerUserProfile: "sagemaker.gitops.io/v1alpha1",
};

describe("examples/gitops", () => {
  it("every file is YAML with only known kinds at their served API versions", () => {
    expect(all.map((f) => f.file.split("/").at(-1)?.endsWith(".yaml"))).not.toContain(false);
    expect(objects.length).toBeGreaterThanOrEqual(10);
    for (const o of objects)
      expect(`${o.file}: ${o.apiVersion}/${o.kind}`).toBe(`${o.file}: ${SERVED[o.kind]}/${o.kind}`);
  });

  it("Argo CD and Flux objects validate against those projects' CRD schemas", () => {
    const schemas: Record<string, new (data: never) => { validate(): void }> = {
      Application,
      AppProject,
      GitRepository,
      Kustomization,
      HelmRelease,
    };
    const checked = objects.filter((o) => schemas[o.kind]);
    expect(checked.length).toBeGreaterThanOrEqual(6);
    for (const o of checked) {
      const { file, ...manifest } = o;
      const Model = schemas[o.kind] as new (data: never) => { validate(): void };
      expect(() => new Model(manifest as never).validate(), `${file}: ${o.kind} ${o.metadata.name}`).not.toThrow();
    }
  });

  it("the profiles folder holds only SageMakerUserProfiles, and `validate` accepts them", async () => {
    const profiles = objects.filter((o) => o.file.startsWith("examples/gitops/profiles/"));
    expect(profiles.length).toBeGreaterThanOrEqual(3);
    expect(new Set(profiles.map((o) => o.kind))).toEqual(new Set(["SageMakerUserProfile"]));
    const r = await runCli(["validate", "-f", "examples/gitops/profiles"]);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    // Between them they show the workflows docs/gitops.md explains.
    const specs = profiles.map((o) => o.spec);
    expect(specs.some((s) => s.managementPolicy === "Observe")).toBe(true);
    expect(specs.some((s) => s.adoptExisting === true)).toBe(true);
    expect(specs.some((s) => s.deletionPolicy === "Retain")).toBe(true);
    expect(specs.some((s) => Array.isArray(s.tags))).toBe(true);
  });

  it("Argo CD: each Application's path exists, its project is defined, and the project admits what it syncs", () => {
    const apps = ofKind("Application");
    expect(apps.map((a) => a.metadata.name).sort()).toEqual(["sagemaker-profile-operator", "sagemaker-profiles"]);
    const projects = new Map(ofKind("AppProject").map((p) => [p.metadata.name, p]));
    for (const app of apps) {
      const path = app.spec.source.path as string;
      expect(existsSync(inRepo(path)), `${app.metadata.name}: path ${path}`).toBe(true);
      expect(app.spec.destination.server).toBeTruthy();
      if (app.spec.project === "default") continue;
      const project = projects.get(app.spec.project);
      expect(project, `AppProject ${app.spec.project}`).toBeDefined();
      expect(project?.spec.sourceRepos).toContain(app.spec.source.repoURL);
      const synced = objects.filter((o) => o.file.startsWith(`${path}/`));
      const allowed = (project?.spec.namespaceResourceWhitelist ?? []) as { group: string; kind: string }[];
      for (const o of synced) {
        expect(allowed).toContainEqual({ group: o.apiVersion.split("/")[0], kind: o.kind });
        const ns = (project?.spec.destinations ?? []) as { namespace: string }[];
        expect(
          ns.some((d) => new RegExp(`^${d.namespace.replaceAll("*", ".*")}$`).test(o.metadata.namespace ?? "")),
        ).toBe(true);
      }
    }
    const operator = apps.find((a) => a.metadata.name === "sagemaker-profile-operator");
    expect(existsSync(join(inRepo(operator?.spec.source.path), "Chart.yaml"))).toBe(true);
  });

  it("Flux: sources, paths, dependencies and the chart each Kustomization and HelmRelease names exist", () => {
    const sources = new Set(ofKind("GitRepository").map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
    const kustomizations = ofKind("Kustomization");
    expect(kustomizations.length).toBe(2);
    const names = new Set(kustomizations.map((k) => k.metadata.name));
    for (const k of kustomizations) {
      expect(sources).toContain(`${k.spec.sourceRef.namespace ?? k.metadata.namespace}/${k.spec.sourceRef.name}`);
      expect(existsSync(inRepo(k.spec.path)), `${k.metadata.name}: path ${k.spec.path}`).toBe(true);
      for (const d of k.spec.dependsOn ?? []) expect(names).toContain(d.name);
    }
    const profiles = kustomizations.find((k) => k.spec.path === "./examples/gitops/profiles");
    expect(profiles?.spec.wait).toBe(true);
    expect(profiles?.spec.dependsOn).toEqual([{ name: "sagemaker-profile-operator" }]);
    const [release] = ofKind("HelmRelease");
    const chart = release?.spec.chart.spec;
    expect(sources).toContain(`${chart.sourceRef.namespace}/${chart.sourceRef.name}`);
    expect(existsSync(join(inRepo(chart.chart), "Chart.yaml"))).toBe(true);
    // The Kustomization that applies the HelmRelease reads the folder it is in.
    const operatorKs = kustomizations.find((k) => k.metadata.name === "sagemaker-profile-operator");
    expect(release?.file.startsWith(`${operatorKs?.spec.path.replace(/^\.\//, "")}/`)).toBe(true);
  });

  it("the chart values in the Argo CD Application and the Flux HelmRelease render with helm", () => {
    const dir = mkdtempSync(join(tmpdir(), "gitops-values-"));
    const values = [
      ofKind("Application").find((a) => a.metadata.name === "sagemaker-profile-operator")?.spec.source.helm
        .valuesObject,
      ofKind("HelmRelease")[0]?.spec.values,
    ];
    for (const [i, v] of values.entries()) {
      expect(v).toBeDefined();
      const file = join(dir, `values-${i}.yaml`);
      writeFileSync(file, JSON.stringify(v));
      const docs = render({ values: [relative(join(root, "charts", "sagemaker-profile-operator"), file)] });
      const deployment = docs.find((d) => d.kind === "Deployment") as unknown as {
        spec: { template: { spec: { containers: { args: string[] }[] } } };
      };
      expect(deployment.spec.template.spec.containers[0]?.args).toContain(`--cluster-id=${v.clusterId}`);
    }
  });
});

/** Every ```yaml block of a doc that declares a SageMakerUserProfile. */
function profileBlocks(doc: string): string[] {
  return [...readFileSync(join(root, "docs", doc), "utf8").matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .filter((y) => /^kind: SageMakerUserProfile$/m.test(y));
}

describe.each(["gitops.md", "migrating-from-ack.md"])("docs/%s", (doc) => {
  it("every SageMakerUserProfile in it passes `validate`", async () => {
    const blocks = profileBlocks(doc);
    expect(blocks.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), "doc-profiles-"));
    for (const [i, y] of blocks.entries()) writeFileSync(join(dir, `${i}.yaml`), y);
    const r = await runCli(["validate", "-f", dir]);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
  });
});
