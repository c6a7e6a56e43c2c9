/**
 * Cases no one here wrote (test/corpus/real-world/, sources and outcomes in expected.yaml): user-profile
 * configurations from Terraform's and ACK's own test suites, written as our manifests. Each file holds the successive
 * states of one resource (a peer's test steps). Every case goes through the whole stack: `validate`, admission by the
 * local API server through the real client-node, the running operator against the SageMaker emulator. A case that
 * converges ends Ready=True with no drift, SageMaker holds what it declares, a step costs one write per change, and a
 * second reconcile writes nothing. One stack serves every case; the steps of all cases run side by side.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setHeaderOptions } from "@kubernetes/client-node";
import type { EmulatorModes, MutationRecord } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { formatProblem, validateManifestText } from "../../src/api/validation.js";
import { withoutInert } from "../../src/drift/index.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

interface Entry {
  /** Repository, file and test function the case comes from. */
  source: string;
  outcome: "converges";
  /** What the case exercises, or why its outcome is what it is. */
  why: string;
}

const DIR = join(import.meta.dirname, "..", "corpus", "real-world");
const NAMESPACE = "real-world";
const expected = parse(readFileSync(join(DIR, "expected.yaml"), "utf8")) as Record<string, Entry>;
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml") && f !== "expected.yaml")
  .sort();
const text = (file: string) => readFileSync(join(DIR, file), "utf8");
/** The steps of a case: its documents in order, each the whole resource as the peer's test step declares it. */
const parsed = new Map<string, Manifest[]>();
const steps = (file: string): Manifest[] => {
  if (!parsed.has(file))
    parsed.set(
      file,
      validateManifestText(text(file), file).documents.map((d) => d.object as Manifest),
    );
  return parsed.get(file) as Manifest[];
};
type Manifest = SageMakerUserProfile & { metadata: { name: string; namespace: string } };
const coords = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeruserprofiles" };

/** Spec (lowerCamelCase) to SageMaker's wire names: every member is its mirror with the first letter upper-cased. */
function wire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wire);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [`${k.charAt(0).toUpperCase()}${k.slice(1)}`, wire(v)]),
  );
}

/** Lists sorted by content, so declared and stored lists compare as sets (SageMaker keeps no order we rely on). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map(canonical).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
}

/** The profile a mutating request wrote to (by name, or by the ARN tag calls carry). */
const profileOf = (request: Record<string, unknown>): string | undefined =>
  (request.UserProfileName as string | undefined) ??
  /:user-profile\/[^/]+\/([^/]+)$/.exec(String(request.ResourceArn ?? ""))?.[1];

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The writes a step should cost after the previous one: one update if the settings changed, one call per tag verb. */
function expectedWrites(previous: Manifest, next: Manifest): string[] {
  const before = new Map((previous.spec.tags ?? []).map((t) => [t.key, t.value]));
  const after = new Map((next.spec.tags ?? []).map((t) => [t.key, t.value]));
  return [
    ...([...after].some(([k, v]) => before.get(k) !== v) ? ["AddTags"] : []),
    ...([...before.keys()].some((k) => !after.has(k)) ? ["DeleteTags"] : []),
    ...(sameJson(previous.spec.userSettings, next.spec.userSettings) ? [] : ["UpdateUserProfile"]),
  ].sort();
}

let e2e: E2E;

/**
 * The corpus runs under SageMaker's documented behaviour with the emulator's default modes, and again with the other
 * answer to every undocumented behaviour the cases touch (docs/fidelity.md, "Undocumented behaviours").
 */
const MODE_SETS: Array<[string, Partial<EmulatorModes>]> = [
  ["default modes", {}],
  [
    "merge-nested updates, stored-only and own describes, tag writes moving LastModifiedTime",
    {
      updateSemantics: "merge-nested",
      profileTagWrites: "moved",
      describeServerDefaults: "stored-only",
      describeRStudioUserGroup: "omitted-when-disabled",
      describeSecurityGroups: "own",
      describeExecutionRole: "own",
    },
  ],
];

describe("the real-world corpus", () => {
  it("names the source and the expected outcome of every case", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(expected).sort()).toEqual(files);
    for (const file of files) {
      expect((expected[file] as Entry).source, file).toMatch(/\.(go|py|yaml)\b/);
      expect(text(file), file).toMatch(/^# (Terraform|ACK)/);
    }
  });

  it.each(files)("%s is valid for `validate`, one resource per file", (file) => {
    const { documents, problems } = validateManifestText(text(file), file);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(documents.length).toBeGreaterThan(0);
    const names = new Set(documents.map((d) => `${(d.object as Manifest).metadata.namespace}/${d.name}`));
    expect([...names]).toEqual([`${NAMESPACE}/${file.replace(/\.yaml$/, "")}`]);
  });
});

describe.each(MODE_SETS)("the real-world corpus through the whole stack (%s)", (_, modes) => {
  beforeAll(async () => {
    e2e = await startE2E({ stack: { sagemaker: { modes } } });
    await e2e.stack.ensureNamespaces([NAMESPACE]);
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const converging = files.filter((f) => (expected[f] as Entry).outcome === "converges");
  const maxSteps = Math.max(...converging.map((f) => steps(f).length));

  /** Creates (first step) or replaces (`kubectl replace`) the resource with a step's document; its new generation. */
  async function applyStep(file: string, step: number): Promise<number> {
    const body = steps(file)[step] as Manifest;
    const { name, namespace } = body.metadata;
    if (step === 0) {
      const created = (await e2e.api.createNamespacedCustomObject({ ...coords, namespace, body })) as Manifest;
      return created.metadata.generation ?? 0;
    }
    const { resourceVersion } = (await e2e.get(namespace, name)).metadata;
    const replaced = (await e2e.api.replaceNamespacedCustomObject({
      ...coords,
      namespace,
      name,
      body: { ...body, metadata: { ...body.metadata, resourceVersion } },
    })) as Manifest;
    return replaced.metadata.generation ?? 0;
  }

  /** Status, SageMaker's stored profile and the writes of a converged step (`written`: the step's mutation log). */
  async function checkStep(file: string, step: number, written: MutationRecord[]): Promise<void> {
    const body = steps(file)[step] as Manifest;
    const previous = steps(file)[step - 1];
    const name = body.metadata.name;
    const at = `${file} step ${step + 1}`;
    const obj = await e2e.get(NAMESPACE, name);
    expect(obj.status?.drift?.count ?? 0, at).toBe(0);
    expect(condition(obj, "Synced")?.status, at).toBe("True");
    const stored = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, name);
    expect(stored?.status, at).toBe("InService");
    // What SageMaker holds is what was declared, less members it does not take in the declared combination.
    const kept = withoutInert((body.spec.userSettings ?? {}) as Record<string, unknown>).desired;
    expect(canonical(stored?.userSettings), at).toMatchObject(canonical(wire(kept)) as object);
    const storedTags = new Map((stored?.tags ?? []).map((t) => [t.Key, t.Value]));
    for (const tag of body.spec.tags ?? []) expect(storedTags.get(tag.key), at).toBe(tag.value);
    for (const tag of previous?.spec.tags ?? [])
      if (!(body.spec.tags ?? []).some((t) => t.key === tag.key)) expect(storedTags.has(tag.key), at).toBe(false);
    // One write per change: the create carries settings and tags; later steps send only what changed.
    const ops = written
      .filter((m) => profileOf(m.request) === name)
      .map((m) => m.op)
      .sort();
    expect(ops, at).toEqual(previous === undefined ? ["CreateUserProfile"] : expectedWrites(previous, body));
  }

  it("each step is admitted, converges to Ready=True with no drift, and SageMaker holds what it declares, for one write", async () => {
    for (let step = 0; step < maxSteps; step++) {
      const active = converging.filter((f) => steps(f).length > step);
      const logStart = e2e.sagemaker.mutations().length;
      const generations = await Promise.all(active.map((file) => applyStep(file, step)));
      await Promise.all(
        active.map((file, i) => {
          const { name, namespace } = (steps(file)[step] as Manifest).metadata;
          return waitFor(
            `${file} step ${step + 1} Ready`,
            async () => isReady(await e2e.get(namespace, name), generations[i]),
            30_000,
            100,
          );
        }),
      );
      const written = e2e.sagemaker.mutations().slice(logStart);
      for (const file of active) await checkStep(file, step, written);
    }
  });

  it("a second reconcile of every converged case sends SageMaker nothing", async () => {
    const names = converging.map((f) => f.replace(/\.yaml$/, ""));
    const logStart = e2e.sagemaker.mutations().length;
    const since = Date.now();
    await Promise.all(
      names.map((name) =>
        e2e.api.patchNamespacedCustomObject(
          { ...coords, namespace: NAMESPACE, name, body: { metadata: { annotations: { "example.com/poke": "1" } } } },
          setHeaderOptions("Content-Type", "application/merge-patch+json"),
        ),
      ),
    );
    // Each case is described again after the poke: the reconcile ran.
    await waitFor("every case described again", () => {
      const described = new Set(
        e2e.sagemaker
          .requests("DescribeUserProfile")
          .filter((r) => r.at >= since)
          .map((r) => r.request.UserProfileName),
      );
      return names.every((n) => described.has(n));
    });
    await sleep(1_000); // a few poll intervals: room for a wrong second write to show
    const writes = e2e.sagemaker
      .mutations()
      .slice(logStart)
      .filter((m) => names.includes(profileOf(m.request) ?? ""));
    expect(writes.map((m) => `${m.op} ${profileOf(m.request)}`)).toEqual([]);
    for (const name of names) expect(isReady(await e2e.get(NAMESPACE, name)), name).toBe(true);
  });
});
