/**
 * GitOps workflows end to end: observe-only, pause, adoption, ownership conflicts and tags, each checked against what
 * the SageMaker emulator was actually asked.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_DOMAIN_SECURITY_GROUP, readManifests } from "@sagemaker-profile-operator/local-stack/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userSettingsToSageMaker } from "../../src/api/mapping.js";
import { OWNER_TAG, PAUSED_ANNOTATION } from "../../src/api/types.js";
import { runCli } from "../cli/run-cli.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, EXAMPLES, isReady, startE2E } from "./harness.js";

let e2e: E2E;
const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-TeamA";

const profile = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerUserProfile",
  metadata: { name, namespace: "team-a", ...metadata },
  spec: { domainId: DEMO_DOMAIN, ...spec },
});

async function create(obj: ReturnType<typeof profile>) {
  await e2e.api.createNamespacedCustomObject({
    group: "sagemaker.gitops.io",
    version: "v1alpha1",
    plural: "sagemakeruserprofiles",
    namespace: "team-a",
    body: obj,
  });
}

const writesTo = (name: string) =>
  e2e.sagemaker
    .mutations()
    .filter((m) => m.request.UserProfileName === name || String(m.request.ResourceArn ?? "").endsWith(`/${name}`));

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.stack.ensureNamespaces(["team-a"]);
});
afterAll(async () => {
  await e2e?.close();
});

describe("managementPolicy: Observe", () => {
  it("reports drift without ever writing, and repairs it once switched to Manage", async () => {
    e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, "olga", { userSettings: { ExecutionRole: ROLE } });
    await create(
      profile("olga", {
        managementPolicy: "Observe",
        userSettings: {
          executionRole: ROLE,
          jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } },
        },
      }),
    );
    const observed = await waitFor("olga DriftDetected", async () => {
      const o = await e2e.get("team-a", "olga");
      return condition(o, "Synced")?.reason === "DriftDetected" ? o : undefined;
    });
    expect(observed.status?.drift?.fields).toEqual([
      "/userSettings/jupyterServerAppSettings/defaultResourceSpec/instanceType",
    ]);
    expect(condition(observed, "Ready")?.status).toBe("False");
    expect(observed.metadata.finalizers ?? []).toEqual([]); // Observe never deletes, so it holds no finalizer
    await sleep(1000);
    expect(writesTo("olga")).toEqual([]);

    const gen = await e2e.patch("team-a", "olga", { spec: { managementPolicy: "Manage", adoptExisting: true } });
    await waitFor("olga repaired", async () => isReady(await e2e.get("team-a", "olga"), gen));
    expect(e2e.describe("olga")?.UserSettings?.JupyterServerAppSettings?.DefaultResourceSpec?.InstanceType).toBe(
      "ml.t3.large",
    );
  });

  it("reports a missing profile as NotFound and never creates it", async () => {
    await create(profile("nobody", { managementPolicy: "Observe" }));
    await waitFor(
      "nobody NotFound",
      async () => condition(await e2e.get("team-a", "nobody"), "Synced")?.reason === "NotFound",
    );
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "nobody")).toBeUndefined();
    expect(writesTo("nobody")).toEqual([]);
  });
});

describe("pause annotation", () => {
  it("makes no SageMaker call at all while paused, and catches up when resumed", async () => {
    await create(
      profile("paula", { userSettings: { executionRole: ROLE } }, { annotations: { [PAUSED_ANNOTATION]: "true" } }),
    );
    await waitFor(
      "paula Paused",
      async () => condition(await e2e.get("team-a", "paula"), "Synced")?.reason === "Paused",
    );
    await e2e.patch("team-a", "paula", { spec: { userSettings: { studioWebPortal: "DISABLED" } } });
    await sleep(1000);
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "paula")).toBeUndefined();
    expect(writesTo("paula")).toEqual([]);

    await e2e.patch("team-a", "paula", { metadata: { annotations: { [PAUSED_ANNOTATION]: null } } });
    await waitFor("paula Ready", async () => isReady(await e2e.get("team-a", "paula")));
    expect(e2e.describe("paula")?.UserSettings?.StudioWebPortal).toBe("DISABLED");
  });
});

describe("adoption and ownership", () => {
  it("reports an existing unmanaged profile as AlreadyExists and leaves it alone without adoptExisting", async () => {
    e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, "ann", { userSettings: { ExecutionRole: ROLE } });
    await create(profile("ann", { userSettings: { executionRole: "arn:aws:iam::123456789012:role/Other" } }));
    const ann = await waitFor("ann AlreadyExists", async () => {
      const o = await e2e.get("team-a", "ann");
      return condition(o, "Synced")?.reason === "AlreadyExists" ? o : undefined;
    });
    expect(condition(ann, "Stalled")?.status).toBe("True");
    expect(writesTo("ann")).toEqual([]);
    expect(e2e.describe("ann")?.UserSettings?.ExecutionRole).toBe(ROLE);
  });

  it("adopts it with adoptExisting: tags it with the owner tag, then manages it", async () => {
    const gen = await e2e.patch("team-a", "ann", { spec: { adoptExisting: true } });
    await waitFor("ann Ready", async () => isReady(await e2e.get("team-a", "ann"), gen));
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "ann")?.tags).toContainEqual({
      Key: OWNER_TAG,
      Value: "e2e/team-a/ann",
    });
    expect(e2e.describe("ann")?.UserSettings?.ExecutionRole).toBe("arn:aws:iam::123456789012:role/Other");
  });

  it("gives a second resource claiming the same profile OwnershipConflict, and it never writes", async () => {
    const before = writesTo("ann").length;
    await create(
      profile("ann-again", {
        userProfileName: "ann",
        adoptExisting: true,
        userSettings: { executionRole: "arn:aws:iam::123456789012:role/Intruder" },
      }),
    );
    const again = await waitFor("ann-again OwnershipConflict", async () => {
      const o = await e2e.get("team-a", "ann-again");
      return condition(o, "Synced")?.reason === "OwnershipConflict" ? o : undefined;
    });
    expect(condition(again, "Synced")?.message).toContain("e2e/team-a/ann");
    await sleep(500);
    expect(writesTo("ann")).toHaveLength(before);
    expect(e2e.describe("ann")?.UserSettings?.ExecutionRole).toBe("arn:aws:iam::123456789012:role/Other");
    // Deleting the loser must not delete the winner's profile.
    await e2e.remove("team-a", "ann-again");
    await waitFor("ann-again gone", async () => (await e2e.tryGet("team-a", "ann-again")) === undefined);
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "ann")?.status).toBe("InService");
  });
});

describe("tags", () => {
  it("applies spec.tags, removes keys it no longer declares, and never touches foreign tags or the owner tag", async () => {
    await create(
      profile("tina", {
        userSettings: { executionRole: ROLE },
        tags: [
          { key: "team", value: "a" },
          { key: "cost-center", value: "1" },
        ],
      }),
    );
    await waitFor("tina Ready", async () => isReady(await e2e.get("team-a", "tina")));
    const arn = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "tina")?.userProfileArn as string;
    // Someone else's tag, added out of band through the API.
    const { SageMakerClient, AddTagsCommand } = await import("@aws-sdk/client-sagemaker");
    const sdk = new SageMakerClient({
      region: "us-east-1",
      endpoint: e2e.sagemaker.url,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await sdk.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "billing", Value: "finance" }] }));
    sdk.destroy();

    const gen = await e2e.patch("team-a", "tina", { spec: { tags: [{ key: "team", value: "b" }] } });
    await waitFor("tina Ready again", async () => isReady(await e2e.get("team-a", "tina"), gen));
    const tags = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "tina")?.tags ?? [];
    expect(tags).toContainEqual({ Key: "team", Value: "b" });
    expect(tags.map((t) => t.Key)).not.toContain("cost-center");
    expect(tags).toContainEqual({ Key: "billing", Value: "finance" });
    expect(tags).toContainEqual({ Key: OWNER_TAG, Value: "e2e/team-a/tina" });
    expect((await e2e.get("team-a", "tina")).status?.managedTagKeys).toEqual(["team"]);
    for (const m of e2e.sagemaker.mutations("DeleteTags")) expect(m.request.TagKeys).not.toContain("billing");
  });
});

describe("deletion blocked by running apps", () => {
  it("says DeleteBlocked while apps run, backs off, and deletes once they are gone", async () => {
    await create(profile("dora", { userSettings: { executionRole: ROLE } }));
    await waitFor("dora Ready", async () => isReady(await e2e.get("team-a", "dora")));
    const app = {
      domainId: DEMO_DOMAIN,
      userProfileName: "dora",
      appType: "JupyterServer",
      appName: "default",
    } as const;
    e2e.sagemaker.admin.startApp(app);
    await e2e.remove("team-a", "dora");
    const blocked = await waitFor("dora DeleteBlocked", async () => {
      const o = await e2e.tryGet("team-a", "dora");
      return condition(o, "Synced")?.reason === "DeleteBlocked" ? o : undefined;
    });
    expect(condition(blocked, "Synced")?.message).toMatch(/blocked by 1 app: JupyterServer\/default \(InService\)/);
    e2e.sagemaker.admin.removeApp(app);
    await waitFor("dora gone", async () => (await e2e.tryGet("team-a", "dora")) === undefined, 30_000);
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "dora")).toBeUndefined();
  });
});

describe("export: migrating existing profiles into Git", () => {
  let m: E2E;
  let exported = "";
  beforeAll(async () => {
    m = await startE2E({ startOperator: false });
  });
  afterAll(async () => {
    await m?.close();
  });

  it("writes resources that, applied, adopt every profile with zero drift and zero update calls", async () => {
    // Existing, unmanaged profiles made from the examples' settings (SageMaker then adds its defaults and groups).
    const examples = readManifests(EXAMPLES) as unknown as Array<{
      spec: { userProfileName?: string; userSettings?: object; tags?: { key: string; value: string }[] };
      metadata: { name: string };
    }>;
    for (const ex of examples)
      m.sagemaker.admin.createProfile(DEMO_DOMAIN, ex.spec.userProfileName ?? ex.metadata.name, {
        userSettings: userSettingsToSageMaker(ex.spec.userSettings ?? {}),
        tags: (ex.spec.tags ?? []).map((t) => ({ Key: t.key, Value: t.value })),
      });
    const dir = mkdtempSync(join(tmpdir(), "export-"));
    const r = await runCli(["export", "--domain", DEMO_DOMAIN, "--namespace", "migrated", "-o", dir], {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SAGEMAKER: m.sagemaker.url,
      // STS too, as a CI job's environment reaches it: a resource's ARN is checked against the environment's account.
      AWS_ENDPOINT_URL_STS: m.sagemaker.url,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${examples.length} profiles exported from ${DEMO_DOMAIN}`);
    const validated = await runCli(["validate", "-f", dir]);
    expect(validated.code, validated.stdout).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(examples.length);
    // Server defaults and the domain's own groups are not declared.
    const alice = readFileSync(join(dir, "alice.yaml"), "utf8");
    expect(alice).not.toContain("spaceStorageSettings");
    expect(alice).not.toContain(DEMO_DOMAIN_SECURITY_GROUP);
    expect(alice).toContain("adoptExisting: true");

    m.sagemaker.resetCalls();
    await m.stack.apply([dir]);
    await m.startOperator();
    for (const f of files) {
      const name = f.replace(/\.yaml$/, "");
      await waitFor(`${name} Ready`, async () => isReady(await m.get("migrated", name)), 30_000);
      expect((await m.get("migrated", name)).status?.drift?.count ?? 0).toBe(0);
    }
    const calls = m.sagemaker.calls();
    expect(calls.UpdateUserProfile).toBeUndefined();
    expect(calls.CreateUserProfile).toBeUndefined();
    expect(calls.AddTags?.ok).toBe(examples.length); // the owner tag, nothing else
    exported = dir;
  }, 180_000);

  it("diff --live: exit 0 when nothing would change, 2 with a readable markdown table when something would", async () => {
    await m.operator?.stop(); // from here on, nobody repairs what we change
    const env = {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SAGEMAKER: m.sagemaker.url,
      // STS too, as a CI job's environment reaches it: a resource's ARN is checked against the environment's account.
      AWS_ENDPOINT_URL_STS: m.sagemaker.url,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      KUBECONFIG: m.kube.kubeconfigPath,
    };
    const same = await runCli(["diff", "-f", exported, "--live"], env);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("0 of 5 profiles would change.");

    m.sagemaker.admin.setProfile(DEMO_DOMAIN, "alice", {
      userSettings: { ExecutionRole: "arn:aws:iam::123456789012:role/ConsoleEdit" },
    });
    const changed = await runCli(["diff", "-f", exported, "--live", "-o", "markdown"], env);
    expect(changed.code, changed.stderr).toBe(2);
    expect(changed.stdout).toContain("**sagemaker-profile-operator: 1 of 5 profiles would change**");
    expect(changed.stdout).toMatch(
      /\| `executionRole` \| `"arn:aws:iam::123456789012:role\/ConsoleEdit"` \| `"arn:aws:iam::123456789012:role\/SageMakerStudio-TeamA"` \|/,
    );

    const fromCluster = await runCli(["diff", "--live", "--kube", "-o", "json"], env);
    expect(fromCluster.code, fromCluster.stderr).toBe(2);
    const verdicts = JSON.parse(fromCluster.stdout) as Array<{ resource: string; drift: unknown[] }>;
    expect(verdicts.filter((v) => v.drift.length > 0).map((v) => v.resource)).toEqual(["migrated/alice"]);

    m.sagemaker.admin.deleteProfile(DEMO_DOMAIN, "bob");
    const missing = await runCli(["diff", "-f", join(exported, "bob.yaml"), "--live"], env);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain("Would create: migrated/bob");

    const broken = await runCli(["diff", "-f", "/nonexistent.yaml", "--live"], env);
    expect(broken.code).toBe(1);
  }, 180_000);
});
