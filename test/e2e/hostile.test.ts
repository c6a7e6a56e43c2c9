/**
 * The hostile corpus (test/corpus/hostile/, outcomes in expected.yaml): each manifest is refused by the API server's
 * schema with its field path, or by `validate` in the CLI (YAML safety), or accepted and Stalled by the running
 * operator before any AWS call, or accepted and refused by SageMaker (what depends on the domain), or accepted and
 * converging (limits). None crashes the operator, blocks a good resource
 * applied alongside, or reaches SageMaker when invalid.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OWNER_TAG, type SageMakerUserProfile } from "../../src/api/types.js";
import { formatProblem, parseManifests, validateManifestText } from "../../src/api/validation.js";
import { CLI_TEST_TIMEOUT, lines, runCli } from "../cli/run-cli.js";
import { applyPolicy } from "../support/policy.js";
import { waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

interface Entry {
  outcome: "apiserver" | "apiserver-update" | "cli" | "operator" | "sagemaker" | "accepted";
  why: string;
  path?: string;
  message?: string;
  /** The API server's wording when it differs from the CLI's. */
  apiMessage?: string;
  reason?: string;
  base?: string;
  reads?: boolean;
  ready?: boolean;
}

const DIR = join(import.meta.dirname, "..", "corpus", "hostile");
const expected = parse(readFileSync(join(DIR, "expected.yaml"), "utf8")) as Record<string, Entry>;
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml") && f !== "expected.yaml")
  .sort();
const text = (file: string) => readFileSync(join(DIR, file), "utf8");
const byOutcome = (...o: Entry["outcome"][]) => files.filter((f) => o.includes((expected[f] as Entry).outcome));
/** The one document of a file, parsed with the CLI's safe settings. */
const object = (file: string) => {
  const { documents, problems } = parseManifests(text(file), file);
  expect(problems.map(formatProblem)).toEqual([]);
  return documents[0]?.object as SageMakerUserProfile;
};
const profileNameOf = (o: SageMakerUserProfile) => o.spec?.userProfileName ?? o.metadata?.name;
const CRD = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeruserprofiles" };

describe("the hostile corpus", () => {
  it("has at least 100 manifests, each with its expected outcome, and every kind of outcome", () => {
    expect(files.length).toBeGreaterThanOrEqual(100);
    expect(Object.keys(expected).sort()).toEqual(files);
    expect(new Set(Object.values(expected).map((e) => e.outcome))).toEqual(
      new Set(["apiserver", "apiserver-update", "cli", "operator", "sagemaker", "accepted"]),
    );
  });
});

describe("validate (CLI parsers, offline)", () => {
  it.each(byOutcome("cli"))("%s is refused with a clear message", (file) => {
    const started = performance.now();
    const { problems } = validateManifestText(text(file), file);
    expect(performance.now() - started).toBeLessThan(5_000);
    const e = expected[file] as Entry;
    expect(problems.length, e.why).toBeGreaterThan(0);
    expect(problems.length).toBeLessThanOrEqual(12); // a hostile document does not flood the output
    expect(problems.map(formatProblem).join("\n")).toContain(e.message ?? "");
  });

  it.each(byOutcome("apiserver"))("%s is refused at the same field path as the API server", (file) => {
    const e = expected[file] as Entry;
    const { problems } = validateManifestText(text(file), file);
    const at = problems.filter((p) => p.path === e.path);
    expect(at.length, `${e.why}\n${problems.map(formatProblem).join("\n")}`).toBeGreaterThan(0);
    expect(at.map((p) => p.message).join("\n")).toContain(e.message ?? "");
  });

  it.each(byOutcome("operator", "sagemaker", "accepted", "apiserver-update"))("%s is valid on its own", (file) => {
    expect(validateManifestText(text(file), file).problems.map(formatProblem)).toEqual([]);
  });

  it(
    "the real CLI reads the whole directory, exits 1, and names every refused file",
    async () => {
      const r = await runCli(["validate", "-f", DIR]);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const out = lines(r.stdout);
      for (const file of byOutcome("cli", "apiserver"))
        expect(
          out.some((l) => l.includes(file)),
          file,
        ).toBe(true);
      for (const file of byOutcome("operator", "sagemaker", "accepted"))
        expect(
          out.some((l) => l.includes(`${file}#`)),
          file,
        ).toBe(false);
    },
    CLI_TEST_TIMEOUT,
  );
});

describe("against the local API server and the running operator", () => {
  let e2e: E2E;
  let api: CustomObjectsApi;

  beforeAll(async () => {
    e2e = await startE2E();
    api = e2e.stack.kubeConfig.makeApiClient(CustomObjectsApi);
    await e2e.stack.ensureNamespaces(["hostile"]);
    await applyPolicy(e2e.stack.kubeConfig, "hostile", {
      namespaces: ["hostile"],
      domains: [DEMO_DOMAIN],
      // Any partition: the partition check, not the policy, refuses arn:aws-cn / arn:aws-us-gov roles here.
      executionRoles: ["arn:*:iam::123456789012:role/hostile-*"],
      instanceTypes: ["ml.t3.*", "ml.m5.large"],
      securityGroups: ["sg-0a000000000000??"],
    });
    e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, "foreign-profile", {
      tags: [{ Key: OWNER_TAG, Value: "other-cluster/ns/foreign" }],
    });
    e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, "manual-profile", {});
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const create = (body: object) =>
    api.createNamespacedCustomObject({ ...CRD, namespace: "hostile", body, fieldValidation: "Strict" });

  /** The API server's answer to a call expected to fail: its code and Status body ("accepted" when it succeeded). */
  async function refusal(call: Promise<unknown>): Promise<{ code?: number; text: string }> {
    const err = (await call.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: number; body?: unknown } | undefined;
    if (!err) return { code: 200, text: '{"message":"accepted"}' };
    return { code: err.code, text: typeof err.body === "string" ? err.body : JSON.stringify(err.body) };
  }

  it("refuses each schema violation with 422 and a message naming the field path", async () => {
    const failures: string[] = [];
    for (const file of byOutcome("apiserver")) {
      const e = expected[file] as Entry;
      const { code, text: body } = await refusal(create(object(file)));
      const status = JSON.parse(body) as { message: string; details?: { causes?: { field?: string }[] } };
      const field = (e.path as string).slice(1); // the API server writes paths without the leading dot
      const named = status.message.includes(field) || (status.details?.causes ?? []).some((c) => c.field === field);
      // 400 is how the API server refuses unknown fields under strict field validation (kubectl apply's default).
      const refused = code === 422 || (code === 400 && status.message.includes("strict decoding error"));
      if (!refused || !named || !status.message.includes(e.apiMessage ?? e.message ?? ""))
        failures.push(`${file}: ${code} ${status.message.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
  });

  it("refuses changes of immutable fields after create (domainId, userProfileName, single sign-on)", async () => {
    const failures: string[] = [];
    for (const file of byOutcome("apiserver-update")) {
      const e = expected[file] as Entry;
      const base = object(e.base as string);
      let answer: { code?: number; text: string } = { text: "" };
      // The operator writes the object too (finalizer, status): on 409 read it again, as kubectl apply would.
      for (let attempt = 0; attempt < 10 && (attempt === 0 || answer.code === 409); attempt++) {
        const current = (await api
          .getNamespacedCustomObject({ ...CRD, namespace: "hostile", name: base.metadata.name })
          .catch(() => create(base))) as SageMakerUserProfile;
        const changed = object(file);
        changed.metadata = { ...changed.metadata, resourceVersion: current.metadata.resourceVersion };
        answer = await refusal(
          api.replaceNamespacedCustomObject({ ...CRD, namespace: "hostile", name: base.metadata.name, body: changed }),
        );
      }
      const { code, text: body } = answer;
      const field = (e.path as string).slice(1);
      if (code !== 422 || !body.includes(field) || !body.includes(e.message ?? ""))
        failures.push(`${file}: ${code} ${body.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
  });

  it("the operator refuses the rest before any AWS write, converges the good ones, and keeps running", async () => {
    const accepted = byOutcome("operator", "sagemaker", "accepted").filter((f) => f !== "base-immutable.yaml");
    await Promise.all(accepted.map((file) => create(object(file))));
    const failures: string[] = [];
    await Promise.all(
      accepted.map(async (file) => {
        const e = expected[file] as Entry;
        const name = object(file).metadata.name;
        try {
          if (e.outcome === "accepted") {
            await waitFor(`${file} Ready`, async () => isReady(await e2e.get("hostile", name)), 30_000);
            return;
          }
          const o = await waitFor(
            `${file} Stalled ${e.reason}`,
            async () => {
              const c = condition(await e2e.get("hostile", name), "Stalled");
              return c?.status === "True" && c.reason === e.reason ? c : undefined;
            },
            30_000,
          );
          if (!o.message.includes(e.message ?? "")) failures.push(`${file}: message ${o.message}`);
        } catch (err) {
          failures.push(`${file}: ${String(err)}`);
        }
      }),
    );
    expect(failures).toEqual([]);

    // Nothing invalid reached SageMaker: no request at all about refused profiles, no write where reads are allowed.
    const requests = e2e.sagemaker.requests();
    const about = (name: string) =>
      requests.filter(
        (r) => r.request.UserProfileName === name || String(r.request.ResourceArn ?? "").endsWith(`/${name}`),
      );
    const WRITES = new Set(["CreateUserProfile", "UpdateUserProfile", "DeleteUserProfile", "AddTags", "DeleteTags"]);
    for (const file of byOutcome("apiserver", "operator")) {
      const e = expected[file] as Entry;
      const name = profileNameOf(object(file));
      const seen = about(name).filter((r) => !e.reads || WRITES.has(r.op));
      expect(
        seen.map((r) => r.op),
        `${file} reached SageMaker`,
      ).toEqual([]);
    }
    // What SageMaker refused was tried once, not again and again.
    for (const file of byOutcome("sagemaker")) {
      const creates = about(profileNameOf(object(file))).filter((r) => r.op === "CreateUserProfile");
      expect(creates, file).toHaveLength(1);
    }
    // Still alive and healthy.
    expect(e2e.operator?.isLeader()).toBe(true);
    expect((await fetch(`http://127.0.0.1:${e2e.operator?.healthPort}/readyz`)).status).toBe(200);
  });
});
