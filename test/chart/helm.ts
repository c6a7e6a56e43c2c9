/** Runs the real `helm` (from .tools/bin, see test/global-setup.ts) on the chart and parses what it renders. */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "./kube-schema.js";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const chartDir = join(repoRoot, "charts", "sagemaker-profile-operator");
export const RELEASE = "smpo";
export const NAMESPACE = "ops";
/** The chart's fullname for RELEASE. */
export const FULLNAME = `${RELEASE}-sagemaker-profile-operator`;

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const bin = process.env.HELM;
  if (!bin) throw new Error("HELM is not set (test/global-setup.ts extracts helm into .tools/bin)");
  const r = spawnSync(bin, args, { encoding: "utf8", cwd: repoRoot });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  /** Values files, relative to the chart directory (e.g. "ci/ha-values.yaml"). */
  values?: string[];
  /** --set pairs; every value is passed with --set-json so types are exact. */
  set?: Record<string, unknown>;
  includeCrds?: boolean;
}

function templateArgs(o: RenderOptions): string[] {
  const args = ["template", RELEASE, chartDir, "--namespace", NAMESPACE];
  for (const f of o.values ?? []) args.push("--values", join(chartDir, f));
  for (const [k, v] of Object.entries(o.set ?? {})) args.push("--set-json", `${k}=${JSON.stringify(v)}`);
  if (o.includeCrds) args.push("--include-crds");
  return args;
}

/** `helm template`; throws with helm's message when rendering fails. */
export function render(o: RenderOptions = {}): KubeObject[] {
  const r = helm(templateArgs(o));
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
  const docs: KubeObject[] = [];
  for (const doc of parseAllDocuments(r.stdout)) {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as KubeObject | null;
    if (value) docs.push(value);
  }
  return docs;
}

/** `helm template` expected to fail: returns helm's error output. */
export function renderError(o: RenderOptions): string {
  const r = helm(templateArgs(o));
  if (r.status === 0) throw new Error(`helm template succeeded, expected it to fail (${JSON.stringify(o)})`);
  return r.stderr;
}

export function findAll(docs: KubeObject[], kind: string): KubeObject[] {
  return docs.filter((d) => d.kind === kind);
}

export function findOne(docs: KubeObject[], kind: string, name?: string): KubeObject {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0] as KubeObject;
}
