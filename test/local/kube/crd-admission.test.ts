/**
 * CRD admission through the API, with the real client-node: every CRD of test/corpus/invalid-crds (one fault each
 * that a real API server refuses) is refused with 422 Invalid at the field path the real server prints; every CRD the
 * project ships is accepted and Established; rules the local server cannot check are refused as such.
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiextensionsV1Api, loadYaml, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type Env, failure, freshNamespace, kubectlRunner, startEnv } from "./helpers.js";

const CORPUS = join(import.meta.dirname, "../../corpus/invalid-crds");
const ROOT = join(import.meta.dirname, "../../..");

interface Expected {
  field: string;
  message: string;
  source: string;
  causes?: number;
}

let env: Env;
let ext: ApiextensionsV1Api;
beforeAll(async () => {
  // No CRD at start: the shipped ones are created through the API below.
  env = await startEnv({ crdDir: await mkdtemp(join(tmpdir(), "no-crds-")) });
  ext = env.kc.makeApiClient(ApiextensionsV1Api);
});
afterAll(() => env.kube.close());

const expected = parse(await readFile(join(CORPUS, "expected.yaml"), "utf8")) as Record<string, Expected>;
/** A manifest as client-node types it (its serializer only sends the fields it knows by their typed names). */
const crdOf = (text: string): V1CustomResourceDefinition => loadYaml<V1CustomResourceDefinition>(text);
const files = (await readdir(CORPUS)).filter((f) => /^\d\d-.*\.yaml$/.test(f)).sort();

describe("the invalid-CRD corpus is refused at the path the real server prints", () => {
  it("has an expectation for every file, and at least 25 files", () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  for (const file of files)
    it(file, async () => {
      const want = expected[file] as Expected;
      const body = crdOf(await readFile(join(CORPUS, file), "utf8"));
      const res = await failure(ext.createCustomResourceDefinition({ body }));
      expect(res).toMatchObject({ kind: "Status", code: 422, reason: "Invalid" });
      expect(res.message).toMatch(/^CustomResourceDefinition\.apiextensions\.k8s\.io ".*" is invalid: /);
      const causes = res.details?.causes ?? [];
      expect(causes.map((c) => c.field)).toContain(want.field);
      const cause = causes.find((c) => c.field === want.field && c.message.includes(want.message));
      expect(cause, `${want.field}: ${want.message}\ngot ${JSON.stringify(causes, null, 1)}`).toBeDefined();
      expect(causes).toHaveLength(want.causes ?? 1);
      // Nothing was stored.
      expect((await failure(ext.readCustomResourceDefinition({ name: body.metadata?.name ?? "" }))).code).toBe(404);
    });
});

async function established(file: string): Promise<V1CustomResourceDefinition> {
  const body = crdOf(await readFile(file, "utf8"));
  const created = await ext.createCustomResourceDefinition({ body });
  expect(created.status?.conditions?.find((c) => c.type === "Established")?.status).toBe("True");
  return created;
}

describe("every CRD the project ships is accepted and Established", () => {
  for (const dir of ["crds", "charts/sagemaker-profile-operator/crds"])
    it(dir, async () => {
      const names = (await readdir(join(ROOT, dir))).filter((f) => f.endsWith(".yaml"));
      expect(names.length).toBeGreaterThan(0);
      for (const f of names) {
        const crd = await established(join(ROOT, dir, f));
        await ext.deleteCustomResourceDefinition({ name: crd.metadata?.name ?? "" });
      }
    });
});

const widget = (
  rule: Record<string, unknown>,
  props: Record<string, unknown> = { name: { type: "string", maxLength: 63 } },
) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", kind: "Widget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: { spec: { type: "object", properties: props, "x-kubernetes-validations": [rule] } },
          },
        },
      },
    ],
  },
});

describe("what the local server cannot check is refused as such, never passed", () => {
  for (const [what, rule] of [
    ["a Kubernetes CEL library function", "isURL(self.name)"],
    ["an ext.Strings function cel-js lacks", "self.name.format([1]) == ''"],
    ["a two-variable comprehension", "self.name.split('.').all(i, p, p != '')"],
  ] as const)
    it(what, async () => {
      const res = await failure(ext.createCustomResourceDefinition({ body: crdOf(JSON.stringify(widget({ rule }))) }));
      expect(res.code).toBe(422);
      const cause = res.details?.causes?.[0];
      expect(cause?.field).toBe("spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule");
      expect(cause?.message).toContain("not supported by the local API server");
    });

  it("comparing a set-list with == (the real server ignores order there)", async () => {
    const props = {
      tags: { type: "array", maxItems: 5, "x-kubernetes-list-type": "set", items: { type: "string", maxLength: 8 } },
    };
    const res = await failure(
      ext.createCustomResourceDefinition({
        body: crdOf(JSON.stringify(widget({ rule: "self.tags == oldSelf.tags" }, props))),
      }),
    );
    expect(res.details?.causes?.[0]?.message).toContain("not supported by the local API server");
  });
});

describe("custom resources of an admitted CRD: rules are evaluated with Go's semantics, never skipped", () => {
  const W = { group: "example.com", version: "v1", plural: "widgets" };
  it("matches() uses RE2 and string functions count code points; an evaluation error refuses the object", async () => {
    const crd = widget(
      { rule: "self.name.matches('^\\\\pL+$') && self.name.indexOf('é') == 1", message: "letters with é second" },
      { name: { type: "string", maxLength: 63 }, count: { type: "integer" } },
    );
    crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec["x-kubernetes-validations"].push({
      rule: "!has(self.count) || 10 / self.count > 1",
      message: "count must leave 10 / count above 1",
    });
    await ext.createCustomResourceDefinition({ body: crdOf(JSON.stringify(crd)) });
    const ns = await freshNamespace(env);
    const create = (name: string, spec: Record<string, unknown>) =>
      env.custom.createNamespacedCustomObject({
        ...W,
        namespace: ns,
        body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec },
      });
    await create("ok", { name: "zéro" });
    const bad = await failure(create("bad", { name: "z3ro" }));
    expect(bad.details?.causes?.[0]).toMatchObject({
      field: "spec",
      message: 'Invalid value: "object": letters with é second',
    });
    const div = await failure(create("div", { name: "zéro", count: 0 }));
    expect(div.code).toBe(422);
    expect(div.details?.causes?.[0]?.message).toMatch(/division by zero evaluating rule: !has\(self\.count\)/);
    await ext.deleteCustomResourceDefinition({ name: "widgets.example.com" });
  });
});

describe("kubectl apply shows the refusal as a real server's", () => {
  it("the repositoryUrl pattern of issue 12, and a CEL rule naming a missing field", async () => {
    const kubectl = await kubectlRunner(env.kube.kubeconfigPath);
    for (const file of ["03-pattern-not-re2.yaml", "25-cel-rule-naming-a-missing-field.yaml"]) {
      const want = expected[file] as Expected;
      const r = await kubectl(["apply", "-f", join(CORPUS, file)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`The CustomResourceDefinition "widgets.example.com" is invalid: ${want.field}: `);
      expect(r.stderr).toContain(want.message);
    }
    const shipped = await kubectl(["apply", "-f", join(ROOT, "crds")]);
    expect(shipped.stderr).toBe("");
    expect(shipped.stdout).toContain(
      "customresourcedefinition.apiextensions.k8s.io/sagemakeruserprofiles.sagemaker.gitops.io created",
    );
    const wait = await kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=10s"]);
    expect(wait.code).toBe(0);
  });
});

describe("updates and write-time cost", () => {
  const W = { group: "example.com", version: "v1", plural: "widgets" };

  it("group and plural are immutable; a version once stored stays in status.storedVersions", async () => {
    const body = crdOf(JSON.stringify(widget({ rule: "true" })));
    const created = await ext.createCustomResourceDefinition({ body });
    const moved = { ...created, spec: { ...created.spec, group: "example.org" } };
    const res = await failure(ext.replaceCustomResourceDefinition({ name: "widgets.example.com", body: moved }));
    expect(res.details?.causes).toContainEqual({
      reason: "FieldValueInvalid",
      field: "spec.group",
      message: 'Invalid value: "example.org": field is immutable',
    });
    // A new storage version: v1 stays listed as stored, and may not be dropped from spec.versions.
    const v1 = created.spec.versions[0] as (typeof created.spec.versions)[number];
    const twoVersions = {
      ...created,
      spec: {
        ...created.spec,
        versions: [
          { ...v1, storage: false },
          { ...v1, name: "v2", storage: true },
        ],
      },
    };
    const updated = await ext.replaceCustomResourceDefinition({ name: "widgets.example.com", body: twoVersions });
    expect(updated.status?.storedVersions).toEqual(["v1", "v2"]);
    const dropped = { ...updated, spec: { ...updated.spec, versions: [{ ...v1, name: "v2", storage: true }] } };
    const gone = await failure(ext.replaceCustomResourceDefinition({ name: "widgets.example.com", body: dropped }));
    expect(gone.details?.causes?.[0]?.field).toBe("status.storedVersions[0]");
    expect(gone.details?.causes?.[0]?.message).toContain("missing from spec.versions");
    await ext.deleteCustomResourceDefinition({ name: "widgets.example.com" });
  });

  it("an object on which a rule may exceed the real server's per-call cost limit is refused, a small one is not", async () => {
    // Admitted: the static estimate of this O(n²) rule with maxItems 1500 stays under the per-rule limit.
    const props = { ids: { type: "array", maxItems: 1500, items: { type: "integer" } } };
    const body = crdOf(JSON.stringify(widget({ rule: "self.ids.all(x, self.ids.all(y, true))" }, props)));
    await ext.createCustomResourceDefinition({ body });
    const ns = await freshNamespace(env);
    const create = (name: string, n: number) =>
      env.custom.createNamespacedCustomObject({
        ...W,
        namespace: ns,
        body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec: { ids: [...Array(n).keys()] } },
      });
    await create("small", 100);
    const big = await failure(create("big", 1500));
    expect(big.code).toBe(422);
    expect(big.details?.causes?.[0]?.message).toContain("per-call limit of 1000000");
    await ext.deleteCustomResourceDefinition({ name: "widgets.example.com" });
  });
});

describe("names: a CRD whose names another CRD of the group holds is stored but not Established", () => {
  it("a kind taken in the group: NamesAccepted False, Established False, nothing served", async () => {
    const first = widget({ rule: "true" });
    await ext.createCustomResourceDefinition({ body: crdOf(JSON.stringify(first)) });
    const second = {
      ...widget({ rule: "true" }),
      metadata: { name: "gadgets.example.com" },
    };
    second.spec = { ...second.spec, names: { plural: "gadgets", kind: "Widget" } };
    const created = await ext.createCustomResourceDefinition({ body: crdOf(JSON.stringify(second)) });
    const cond = (type: string) => created.status?.conditions?.find((c) => c.type === type);
    // Singular (widget), kind and listKind all conflict; the real controller reports the last one it checks.
    expect(cond("NamesAccepted")).toMatchObject({
      status: "False",
      reason: "ListKindConflict",
      message: '"WidgetList" is already in use',
    });
    expect(cond("Established")).toMatchObject({ status: "False", reason: "NotAccepted" });
    expect(created.status?.acceptedNames).toEqual({ plural: "gadgets" });
    const ns = await freshNamespace(env);
    const served = await failure(
      env.custom.listNamespacedCustomObject({ group: "example.com", version: "v1", plural: "gadgets", namespace: ns }),
    );
    expect(served.code).toBe(404);
    await ext.deleteCustomResourceDefinition({ name: "gadgets.example.com" });
    await ext.deleteCustomResourceDefinition({ name: "widgets.example.com" });
  });
});

describe("unknown fields of a CRD, as the real decoder treats them (kubectl: client-node's typed models drop them)", () => {
  it("kubectl's Strict refuses a schema keyword typo with its path; --validate=warn drops it with a warning; typos under items are dropped silently", async () => {
    const crd = widget({ rule: "true" }, { size: { type: "integer", maximun: 5 } });
    const props = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties as Record<string, unknown>;
    props.tags = { type: "array", items: { type: "string", maxlength: 3 } };
    const dir = await mkdtemp(join(tmpdir(), "crd-typo-"));
    const file = join(dir, "crd.json");
    await writeFile(file, JSON.stringify(crd));
    const kubectl = await kubectlRunner(env.kube.kubeconfigPath);
    const path = "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.maximun";
    const strict = await kubectl(["create", "-f", file]);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain(
      `CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: strict decoding error: unknown field "${path}"`,
    );
    expect(strict.stderr).not.toContain("maxlength");
    const warn = await kubectl(["create", "--validate=warn", "-f", file]);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain(`unknown field "${path}"`);
    const stored = await ext.readCustomResourceDefinition({ name: "widgets.example.com" });
    const spec = stored.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec?.properties ?? {};
    expect(spec.size).toEqual({ type: "integer" });
    expect(spec.tags?.items).toEqual({ type: "string" });
    await ext.deleteCustomResourceDefinition({ name: "widgets.example.com" });
  });
});
