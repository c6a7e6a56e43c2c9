/**
 * Validation of custom resources against the CRD schema: through the API (client-node), and the structural-schema
 * semantics on their own with small schemas.
 */
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StructuralSchema } from "../../../src/api/schema/structural-schema.js";
import { type Env, failure, freshNamespace, type Obj, PROFILES, profile, startEnv } from "./helpers.js";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(() => env.kube.close());

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("custom resource validation through the API", () => {
  it("refuses an invalid resource with 422 Invalid, the kubectl-style message and causes with field paths", async () => {
    const ns = await freshNamespace(env);
    const res = await failure(
      env.custom.createNamespacedCustomObject({
        ...PROFILES,
        namespace: ns,
        body: profile(ns, "alice", {
          userSettings: { securityGroups: ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"] },
        }),
      }),
    );
    expect(res).toMatchObject({ kind: "Status", code: 422, reason: "Invalid" });
    expect(res.message).toBe(
      'SageMakerUserProfile.sagemaker.gitops.io "alice" is invalid: spec.userSettings.securityGroups: Too many: 6: must have at most 5 items',
    );
    expect(res.details?.causes).toEqual([
      {
        reason: "FieldValueTooMany",
        message: "Too many: 6: must have at most 5 items",
        field: "spec.userSettings.securityGroups",
      },
    ]);
  });

  it("reports every error: required, enum, pattern, duplicates in a set, duplicate keys in a map list", async () => {
    const ns = await freshNamespace(env);
    const body = profile(ns, "bad", {
      managementPolicy: "Sometimes",
      userSettings: {
        securityGroups: ["sg-1", "sg-1"],
        executionRole: "arn:aws:iam::123456789012:role/SageMakerExecution",
      },
      tags: [
        { key: "a", value: "1" },
        { key: "a", value: "2" },
      ],
    });
    delete body.spec?.domainId;
    const res = await failure(env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body }));
    const byField = Object.fromEntries((res.details?.causes ?? []).map((c) => [c.field, c.message]));
    expect(byField["spec.domainId"]).toBe("Required value");
    expect(byField["spec.managementPolicy"]).toBe(
      'Unsupported value: "Sometimes": supported values: "Manage", "Observe"',
    );
    expect(byField["spec.userSettings.securityGroups[1]"]).toBe('Duplicate value: "sg-1"');
    expect(byField["spec.tags[1]"]).toBe('Duplicate value: {"key":"a"}');
    expect(res.message).toMatch(/^SageMakerUserProfile\.sagemaker\.gitops\.io "bad" is invalid: \[/);
  });

  it("enforces x-kubernetes-validations CEL rules, including transition rules with oldSelf on update", async () => {
    const ns = await freshNamespace(env);
    const reserved = await failure(
      env.custom.createNamespacedCustomObject({
        ...PROFILES,
        namespace: ns,
        body: profile(ns, "t", { tags: [{ key: "aws:secret", value: "x" }] }),
      }),
    );
    expect(reserved.details?.causes?.[0]).toMatchObject({ field: "spec.tags" });
    expect(reserved.details?.causes?.[0]?.message).toContain("reserved");

    await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "imm", { userProfileName: "imm" }),
    });
    const changed = await failure(
      env.custom.patchNamespacedCustomObject(
        {
          ...PROFILES,
          namespace: ns,
          name: "imm",
          body: { spec: { domainId: "d-other000000", userProfileName: "other" } },
        },
        mergePatch,
      ),
    );
    expect(changed.code).toBe(422);
    const causes = Object.fromEntries((changed.details?.causes ?? []).map((c) => [c.field, c.message]));
    expect(causes["spec.domainId"]).toBe('Invalid value: "string": domainId is immutable');
    expect(causes.spec).toBe('Invalid value: "object": userProfileName is immutable');
    // Same values pass the transition rules.
    const ok = (await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "imm", body: { spec: { adoptExisting: true } } },
      mergePatch,
    )) as Obj;
    expect(ok.spec?.adoptExisting).toBe(true);
  });

  it("prunes unknown fields by default and warns (Warning header); fieldValidation=Strict refuses them", async () => {
    const ns = await freshNamespace(env);
    const body = { ...profile(ns, "u"), spec: { domainId: "d-abc123def456", surprise: 1 }, extra: true };
    const info = await env.custom.createNamespacedCustomObjectWithHttpInfo({ ...PROFILES, namespace: ns, body });
    const created = info.data as Obj & { extra?: unknown };
    expect(created.spec?.surprise).toBeUndefined();
    expect(created.extra).toBeUndefined();
    expect(info.headers.warning).toContain('unknown field \\"spec.surprise\\"');

    const strict = await failure(
      env.custom.createNamespacedCustomObject({
        ...PROFILES,
        namespace: ns,
        body: { ...body, metadata: { name: "u2" } },
        fieldValidation: "Strict",
      }),
    );
    expect(strict.code).toBe(400);
    expect(strict.message).toContain('strict decoding error: unknown field "extra", unknown field "spec.surprise"');
  });
});

describe("structural schema semantics", () => {
  const schema = new StructuralSchema({
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          replicas: { type: "integer", minimum: 1, maximum: 10, default: 1 },
          mode: { type: "string", enum: ["a", "b"], default: "a" },
          nested: { type: "object", properties: { flag: { type: "boolean", default: false } } },
          free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          labels: { type: "object", additionalProperties: { type: "string", maxLength: 3 } },
          ports: {
            type: "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            items: {
              type: "object",
              required: ["name"],
              properties: { name: { type: "string" }, port: { type: "integer" } },
              "x-kubernetes-validations": [{ rule: "self.port == oldSelf.port", message: "port is immutable" }],
            },
          },
          count: {
            type: "integer",
            "x-kubernetes-validations": [{ rule: "self + 1 > 1", message: "must be positive" }],
          },
          at: { type: "string", format: "date-time" },
          nullableName: { type: "string", nullable: true },
        },
        "x-kubernetes-validations": [
          {
            rule: "!has(self.mode) || self.mode != 'b' || has(self.nested)",
            messageExpression: "'mode b needs nested, got ' + self.mode",
          },
        ],
      },
    },
  });

  it("applies defaults only where the parent exists", () => {
    const obj: Record<string, unknown> = { spec: {} };
    schema.applyDefaults(obj);
    expect(obj).toEqual({ spec: { replicas: 1, mode: "a" } });
    const withNested: Record<string, unknown> = { spec: { nested: {} } };
    schema.applyDefaults(withNested);
    expect(withNested).toEqual({ spec: { replicas: 1, mode: "a", nested: { flag: false } } });
  });

  it("prunes unknown fields except under x-kubernetes-preserve-unknown-fields and additionalProperties", () => {
    const obj: Record<string, unknown> = {
      apiVersion: "x/v1",
      kind: "X",
      spec: {
        replicas: 2,
        bogus: 1,
        free: { anything: { goes: true } },
        labels: { a: "b" },
        ports: [{ name: "p", extra: 1 }],
      },
      top: 1,
    };
    expect(schema.prune(obj).sort()).toEqual(["spec.bogus", "spec.ports[0].extra", "top"]);
    expect(obj).toEqual({
      apiVersion: "x/v1",
      kind: "X",
      spec: { replicas: 2, free: { anything: { goes: true } }, labels: { a: "b" }, ports: [{ name: "p" }] },
    });
  });

  it("prunes keys named like Object.prototype's members (constructor, __proto__) as the unknown fields they are", () => {
    const obj = JSON.parse('{"spec": {"replicas": 2, "constructor": {"prototype": 1}, "__proto__": {"x": 1}}}');
    expect(schema.prune(obj).sort()).toEqual(["spec.__proto__", "spec.constructor"]);
    expect(Object.keys(obj.spec)).toEqual(["replicas"]);
  });

  it("words errors like kube-openapi and evaluates CEL with integers as ints and messageExpression", () => {
    const errs = schema.validate({
      spec: {
        replicas: 0,
        mode: "b",
        labels: { k: "long" },
        at: "yesterday",
        count: -5,
        nullableName: null,
        ports: [{ port: 1 }],
      },
    });
    const byField = Object.fromEntries(errs.map((e) => [e.field, e.message]));
    expect(byField["spec.replicas"]).toBe(
      "Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
    );
    expect(byField["spec.labels.k"] ?? byField["spec.labels[k]"]).toBe("Too long: may not be more than 3 bytes");
    expect(byField["spec.at"]).toBe(
      'Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday"',
    );
    expect(byField["spec.count"]).toBe('Invalid value: "integer": must be positive');
    expect(byField.spec).toBe('Invalid value: "object": mode b needs nested, got b');
    expect(byField["spec.ports[0].name"]).toBe("Required value");
    expect(byField["spec.nullableName"]).toBeUndefined();
    expect(schema.validate({ spec: { replicas: "3" } })[0]?.message).toBe(
      'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    );
  });

  it("transition rules see oldSelf only for correlatable values (map-list items by key)", () => {
    const old = { spec: { ports: [{ name: "http", port: 80 }] } };
    const moved = schema.validate({ spec: { ports: [{ name: "http", port: 81 }] } }, old);
    expect(moved).toEqual([
      { field: "spec.ports[0]", reason: "FieldValueInvalid", message: 'Invalid value: "object": port is immutable' },
    ]);
    // A new key has no old value: the rule is not evaluated. On create neither.
    expect(schema.validate({ spec: { ports: [{ name: "https", port: 443 }] } }, old)).toEqual([]);
    expect(schema.validate({ spec: { ports: [{ name: "http", port: 81 }] } })).toEqual([]);
  });
});
