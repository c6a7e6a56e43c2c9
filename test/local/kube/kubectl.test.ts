/** The real kubectl (v1.35) against the local API server: what a user runs. */
import { chmod, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchStrategy, setHeaderOptions, V1MicroTime } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { type Env, fixture, type KubectlResult, kubectlRunner, type Obj, PROFILES, startEnv } from "./helpers.js";

let env: Env;
let kubectl: (args: string[], extraEnv?: NodeJS.ProcessEnv) => Promise<KubectlResult>;
beforeAll(async () => {
  env = await startEnv();
  kubectl = await kubectlRunner(env.kube.kubeconfigPath);
});
afterAll(() => env.kube.close());

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const ok = (r: KubectlResult) => {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
};
const table = (out: string) =>
  out
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s{2,}/));

describe("kubectl", () => {
  it("applies a directory of manifests (namespace + custom resources) with server-side field validation", async () => {
    const out = ok(await kubectl(["apply", "-f", fixture("apply")]));
    expect(out).toContain("namespace/team-data created");
    expect(out).toContain("sagemakeruserprofile.sagemaker.gitops.io/alice created");
    expect(out).toContain("sagemakeruserprofile.sagemaker.gitops.io/bob created");
    // Applying again changes nothing.
    const again = ok(await kubectl(["apply", "-f", fixture("apply")]));
    expect(again).toContain("sagemakeruserprofile.sagemaker.gitops.io/alice unchanged");
  });

  it("lists with the CRD's printer columns (server-side Table), across namespaces", async () => {
    await env.custom.patchNamespacedCustomObjectStatus(
      {
        ...PROFILES,
        namespace: "team-data",
        name: "alice",
        body: {
          status: {
            userProfileName: "alice",
            profileStatus: "InService",
            drift: { count: 2, fields: ["/userSettings/securityGroups"] },
            conditions: [
              {
                type: "Ready",
                status: "False",
                reason: "Drifted",
                message: "2 fields differ",
                lastTransitionTime: "2026-01-01T00:00:00Z",
              },
            ],
          },
        },
      },
      mergePatch,
    );
    const rows = table(ok(await kubectl(["get", "smup", "-A"])));
    expect(rows[0]).toEqual(["NAMESPACE", "NAME", "DOMAIN", "PROFILE", "STATUS", "READY", "DRIFT", "AGE"]);
    const alice = rows.find((r) => r[1] === "alice");
    expect(alice?.slice(0, 7)).toEqual(["team-data", "alice", "d-abc123def456", "alice", "InService", "False", "2"]);
    expect(alice?.[7]).toMatch(/^\d+s$/);
    expect(rows.find((r) => r[1] === "bob")?.slice(0, 3)).toEqual(["team-data", "bob", "d-abc123def456"]);
    // The category and the short name resolve too.
    expect(
      ok(await kubectl(["get", "sagemaker", "-n", "team-data", "-o", "name"]))
        .trim()
        .split("\n"),
    ).toEqual(["sagemakeruserprofile.sagemaker.gitops.io/alice", "sagemakeruserprofile.sagemaker.gitops.io/bob"]);
    const selected = table(ok(await kubectl(["get", "smup", "-n", "team-data", "-l", "team=data"])));
    expect(selected.slice(1).map((r) => r[0])).toEqual(["alice"]);
  });

  it("prints one resource as YAML", async () => {
    const obj = parse(ok(await kubectl(["get", "smup", "-n", "team-data", "alice", "-o", "yaml"]))) as Obj;
    expect(obj.kind).toBe("SageMakerUserProfile");
    expect(obj.spec).toMatchObject({ domainId: "d-abc123def456", managementPolicy: "Manage" });
    expect(obj.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]).toBeTruthy();
    expect(obj.status?.profileStatus).toBe("InService");
  });

  it("describes a resource with its events", async () => {
    const alice = (await env.custom.getNamespacedCustomObject({
      ...PROFILES,
      namespace: "team-data",
      name: "alice",
    })) as Obj;
    await env.events.createNamespacedEvent({
      namespace: "team-data",
      body: {
        metadata: { generateName: "alice." },
        eventTime: new V1MicroTime(),
        reportingController: "sagemaker.gitops.io/operator",
        reportingInstance: "op-0",
        action: "Update",
        reason: "DriftDetected",
        type: "Warning",
        note: "2 fields differ from SageMaker",
        regarding: {
          apiVersion: "sagemaker.gitops.io/v1alpha1",
          kind: "SageMakerUserProfile",
          name: "alice",
          namespace: "team-data",
          uid: alice.metadata.uid,
        },
      },
    });
    const out = ok(await kubectl(["describe", "smup", "-n", "team-data", "alice"]));
    expect(out).toMatch(/^Name:\s+alice$/m);
    expect(out).toMatch(/Domain Id:\s+d-abc123def456/);
    expect(out).toMatch(
      /Warning\s+DriftDetected\s+\S+\s+sagemaker\.gitops\.io\/operator\s+2 fields differ from SageMaker/,
    );
    const events = ok(await kubectl(["get", "events", "-n", "team-data"]));
    expect(events).toContain("sagemakeruserprofile/alice");
  });

  it("refuses an invalid manifest and shows the field path", async () => {
    const r = await kubectl(["apply", "-f", fixture("too-many-security-groups.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'The SageMakerUserProfile "carol" is invalid: spec.userSettings.securityGroups: Too many: 6: must have at most 5 items',
    );
    const unknown = await kubectl(["apply", "-f", fixture("unknown-field.yaml")]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('strict decoding error: unknown field "spec.userSetings"');
  });

  it("patches and edits (merge patches), bumping generation; immutable fields are refused", async () => {
    ok(
      await kubectl([
        "patch",
        "smup",
        "-n",
        "team-data",
        "bob",
        "--type",
        "merge",
        "-p",
        '{"spec":{"adoptExisting":true}}',
      ]),
    );
    const bob = (await env.custom.getNamespacedCustomObject({
      ...PROFILES,
      namespace: "team-data",
      name: "bob",
    })) as Obj;
    expect(bob.spec?.adoptExisting).toBe(true);
    expect(bob.metadata.generation).toBe(2);

    const dir = await mkdtemp(join(tmpdir(), "editor-"));
    const editor = join(dir, "editor.sh");
    await writeFile(editor, "#!/bin/sh\nsed -i 's/managementPolicy: Observe/managementPolicy: Manage/' \"$1\"\n");
    await chmod(editor, 0o755);
    const edited = await kubectl(["edit", "smup", "-n", "team-data", "bob"], { KUBE_EDITOR: editor });
    expect(edited.stdout).toContain("sagemakeruserprofile.sagemaker.gitops.io/bob edited");
    const after = (await env.custom.getNamespacedCustomObject({
      ...PROFILES,
      namespace: "team-data",
      name: "bob",
    })) as Obj;
    expect(after.spec?.managementPolicy).toBe("Manage");

    const immutable = await kubectl([
      "patch",
      "smup",
      "-n",
      "team-data",
      "bob",
      "--type",
      "merge",
      "-p",
      '{"spec":{"domainId":"d-zzzzzzzzzzzz"}}',
    ]);
    expect(immutable.code).toBe(1);
    expect(immutable.stderr).toContain('spec.domainId: Invalid value: "string": domainId is immutable');
  });

  it("applies server-side, records the field manager, and reports conflicts with other managers", async () => {
    // bob's managementPolicy was changed by `kubectl edit` above: applying the manifest's value conflicts.
    const conflict = await kubectl(["apply", "--server-side", "-f", fixture("apply")]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl-edit"');
    expect(conflict.stderr).toContain(".spec.managementPolicy");
    const out = ok(await kubectl(["apply", "--server-side", "--force-conflicts", "-f", fixture("apply")]));
    expect(out).toContain("sagemakeruserprofile.sagemaker.gitops.io/alice serverside-applied");
    const alice = (await env.custom.getNamespacedCustomObject({
      ...PROFILES,
      namespace: "team-data",
      name: "alice",
    })) as Obj;
    expect(alice.metadata.managedFields?.map((m) => `${m.manager}/${m.operation}`)).toContain("kubectl/Apply");
  });

  it("deletes: at once without finalizers; with one, it waits for the finalizer to be removed", async () => {
    ok(await kubectl(["delete", "smup", "-n", "team-data", "bob"]));
    expect((await kubectl(["get", "smup", "-n", "team-data", "bob"])).stderr).toContain('"bob" not found');

    await env.custom.patchNamespacedCustomObject(
      {
        ...PROFILES,
        namespace: "team-data",
        name: "alice",
        body: { metadata: { finalizers: ["sagemaker.gitops.io/finalizer"] } },
      },
      mergePatch,
    );
    ok(await kubectl(["delete", "smup", "-n", "team-data", "alice", "--wait=false"]));
    const deleting = (await env.custom.getNamespacedCustomObject({
      ...PROFILES,
      namespace: "team-data",
      name: "alice",
    })) as Obj;
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    // kubectl waits (watching) until the operator removes its finalizer.
    const waiting = kubectl(["delete", "smup", "-n", "team-data", "alice", "--timeout=20s"]);
    await new Promise((r) => setTimeout(r, 500));
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: "team-data", name: "alice", body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    const done = await waiting;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('sagemakeruserprofile.sagemaker.gitops.io "alice" deleted');
  });

  it("applies the repository's examples/ once their namespaces exist", async () => {
    const dir = join(import.meta.dirname, "../../../examples");
    const files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const namespaces = new Set<string>();
    let documents = 0;
    for (const f of files)
      for (const doc of parseAllDocuments(await readFile(join(dir, f), "utf8"))) {
        const obj = doc.toJS() as Obj | null;
        if (!obj) continue;
        documents++;
        if (obj.metadata?.namespace) namespaces.add(obj.metadata.namespace);
      }
    for (const ns of namespaces) ok(await kubectl(["create", "namespace", ns]));
    const out = ok(await kubectl(["apply", "-f", dir]));
    expect(out.trim().split("\n")).toHaveLength(documents);
    for (const line of out.trim().split("\n")) expect(line).toMatch(/ created$/);
  });
});
