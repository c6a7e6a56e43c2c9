/**
 * Tenant isolation as attacks: namespace `mallory`, whose user may only write SageMakerUserProfile resources (and
 * their status) in its own namespace, tries each known way at `team-a`'s profiles. Every attempt must end with no
 * SageMaker write to team-a's profiles (the emulator's request log) and a clear answer to mallory: a condition on
 * its resource, an event, or the API server's refusal. The operator runs with its defaults (a policy is required).
 *
 * The local API server does not evaluate RBAC Roles, so mallory's user (its own token) simply never writes outside
 * its namespace; the last test checks that from the API server's request log. docs/security.md lists these attacks.
 */
import { CustomObjectsApi, EventsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { kubeconfigYaml } from "@sagemaker-profile-operator/local-stack/kube/kubeconfig";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GROUP, OWNER_TAG, PLURAL, type SageMakerUserProfile, VERSION } from "../../src/api/types.js";
import { applyPolicy } from "../support/policy.js";
import { waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

const MALLORY_TOKEN = "mallory-token";
const MALLORY = "mallory";
const TEAM_A_ROLE = "arn:aws:iam::123456789012:role/team-a-studio";
const MALLORY_ROLE = "arn:aws:iam::123456789012:role/mallory-studio";
const coords = { group: GROUP, version: VERSION, plural: PLURAL };

let e2e: E2E;
/** Mallory's own client: its token, its namespace. */
let mallory: CustomObjectsApi;

const profile = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: "SageMakerUserProfile",
  metadata: { name, namespace: MALLORY },
  spec: { domainId: DEMO_DOMAIN, userSettings: { executionRole: MALLORY_ROLE }, ...spec },
});

const create = (body: ReturnType<typeof profile>) =>
  mallory.createNamespacedCustomObject({ ...coords, namespace: MALLORY, body });
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const patchSpec = async (name: string, spec: object) =>
  (
    (await mallory.patchNamespacedCustomObject(
      { ...coords, namespace: MALLORY, name, body: { spec } },
      merge,
    )) as SageMakerUserProfile
  ).metadata.generation ?? 0;
const patchStatus = (name: string, status: object) =>
  mallory.patchNamespacedCustomObjectStatus({ ...coords, namespace: MALLORY, name, body: { status } }, merge);

/** Mallory's resource once its Synced condition has this reason for its current generation. */
const answered = (name: string, reason: string, generation?: number) =>
  waitFor(`${MALLORY}/${name} ${reason}`, async () => {
    const o = await e2e.tryGet(MALLORY, name);
    const synced = condition(o, "Synced");
    const current = generation ?? o?.metadata.generation;
    return synced?.reason === reason && synced.observedGeneration === current ? o : undefined;
  });

/** Every SageMaker request that changes (or would change) one of these profiles, whoever sent it. */
const writesTo = (...names: string[]) =>
  e2e.sagemaker
    .mutations()
    .filter((m) =>
      names.some(
        (n) => m.request.UserProfileName === n || String(m.request.ResourceArn ?? "").endsWith(`/${n.toLowerCase()}`),
      ),
    );
const arnOf = (name: string) => e2e.sagemaker.store.getProfile(DEMO_DOMAIN, name)?.userProfileArn as string;

let teamAWritesBefore = 0;
const noNewWriteToTeamA = () => expect(writesTo("alice", "carol").length).toBe(teamAWritesBefore);

beforeAll(async () => {
  e2e = await startE2E({ policy: false, stack: { kube: { users: { [MALLORY_TOKEN]: MALLORY } } } });
  await e2e.stack.ensureNamespaces(["team-a", MALLORY]);
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(e2e.kube.url, MALLORY_TOKEN));
  mallory = kc.makeApiClient(CustomObjectsApi);
  // team-a: its policy, its profile alice (created and owned by the operator), and carol, made in the console
  // (no owner tag) and used by team-a's people.
  await applyPolicy(e2e.stack.kubeConfig, "team-a", {
    namespaces: ["team-a"],
    executionRoles: ["arn:aws:iam::123456789012:role/team-a-*"],
    adoption: "Allowed",
  });
  await e2e.api.createNamespacedCustomObject({
    ...coords,
    namespace: "team-a",
    body: {
      ...profile("alice", { userSettings: { executionRole: TEAM_A_ROLE } }),
      metadata: { name: "alice", namespace: "team-a" },
    },
  });
  await waitFor("team-a/alice Ready", async () => isReady(await e2e.tryGet("team-a", "alice")));
  e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, "carol", { userSettings: { ExecutionRole: TEAM_A_ROLE } });
  teamAWritesBefore = writesTo("alice", "carol").length;
});
afterAll(async () => {
  await e2e?.close();
});

describe("namespace mallory against team-a's profiles", () => {
  it("closed by default: with no policy for its namespace, mallory's resource is NoPolicy and nothing reaches AWS", async () => {
    await create(profile("m-first", {}));
    const o = await answered("m-first", "NoPolicy");
    expect(condition(o, "Stalled")?.status).toBe("True");
    expect(condition(o, "Stalled")?.message).toContain("no SageMakerProfilePolicy covers namespace mallory");
    expect(e2e.sagemaker.requests().filter((r) => r.request.UserProfileName === "m-first")).toEqual([]);
    // From here on mallory's namespace has a policy, as a platform team would give it: its own roles, no adoption.
    await applyPolicy(e2e.stack.kubeConfig, "mallory", {
      namespaces: [MALLORY],
      executionRoles: ["arn:aws:iam::123456789012:role/mallory-*"],
    });
    await waitFor("m-first Ready under its policy", async () => isReady(await e2e.tryGet(MALLORY, "m-first")));
  });

  it("policy: team-a's execution role in mallory's spec is refused before any AWS call (PolicyViolation)", async () => {
    await create(profile("m-role", { userSettings: { executionRole: TEAM_A_ROLE } }));
    const o = await answered("m-role", "PolicyViolation");
    expect(condition(o, "Stalled")?.message).toContain(
      `"${TEAM_A_ROLE}" is not allowed by SageMakerProfilePolicy/mallory`,
    );
    expect(e2e.sagemaker.requests().filter((r) => r.request.UserProfileName === "m-role")).toEqual([]);
  });

  it("adopt: an unowned profile with adoptExisting is AdoptionNotAllowed under mallory's policy; carol is not tagged", async () => {
    await create(profile("m-carol", { userProfileName: "carol", adoptExisting: true }));
    const o = await answered("m-carol", "AdoptionNotAllowed");
    expect(condition(o, "Stalled")?.message).toMatch(
      /^profile d-[a-z0-9]+\/carol exists with no owner tag and spec.adoptExisting is true, but adoption is not allowed: SageMakerProfilePolicy\/mallory does not set adoption: Allowed/,
    );
    expect(o.status?.userProfileArn).toBeUndefined();
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "carol")?.tags).toEqual([]);
    noNewWriteToTeamA();
  });

  it("adopt: a profile team-a owns is OwnershipConflict, adoptExisting or not", async () => {
    await create(profile("m-alice", { userProfileName: "alice", adoptExisting: true, deletionPolicy: "Delete" }));
    const o = await answered("m-alice", "OwnershipConflict");
    expect(condition(o, "Stalled")?.message).toContain("is owned by e2e/team-a/alice");
    noNewWriteToTeamA();
  });

  it("forge status: ownedBy and userProfileArn claiming alice do not make the operator write to it", async () => {
    await patchStatus("m-alice", { userProfileArn: arnOf("alice"), ownedBy: "e2e/mallory/m-alice" });
    // A spec change (another role of mallory's, no tags: nothing else asks for ListTags) makes the operator plan an
    // update from the forged status.
    const generation = await patchSpec("m-alice", {
      userSettings: { executionRole: "arn:aws:iam::123456789012:role/mallory-other" },
    });
    const o = await answered("m-alice", "OwnershipConflict", generation);
    expect(o.status?.ownedBy).toBeUndefined();
    expect(o.status?.userProfileArn).toBeUndefined();
    expect(e2e.describe("alice")?.UserSettings?.ExecutionRole).toBe(TEAM_A_ROLE);
    noNewWriteToTeamA();
  });

  it("delete: deleting a resource with deletionPolicy Delete and a forged status leaves alice in place (NotDeleted)", async () => {
    await patchStatus("m-alice", { userProfileArn: arnOf("alice"), ownedBy: "e2e/mallory/m-alice" });
    await mallory.deleteNamespacedCustomObject({ ...coords, namespace: MALLORY, name: "m-alice" });
    await waitFor("m-alice gone", async () => (await e2e.tryGet(MALLORY, "m-alice")) === undefined);
    const events = await e2e.stack.kubeConfig.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: MALLORY });
    const notDeleted = events.items.find((e) => e.reason === "NotDeleted" && e.regarding?.name === "m-alice");
    expect(notDeleted?.note).toMatch(/Profile d-[a-z0-9]+\/alice is not owned by this resource; left in place/);
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "alice")?.status).toBe("InService");
    noNewWriteToTeamA();
  });

  it("observe: Observe on alice reports that it exists and who owns it, none of its settings", async () => {
    await create(
      profile("m-peek", {
        userProfileName: "alice",
        managementPolicy: "Observe",
        userSettings: {
          executionRole: MALLORY_ROLE,
          jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } },
        },
      }),
    );
    const o = await answered("m-peek", "OwnedByAnother");
    expect(condition(o, "Synced")?.message).toMatch(
      /^profile d-[a-z0-9]+\/alice exists and is owned by e2e\/team-a\/alice;/,
    );
    for (const key of ["userProfileArn", "profileStatus", "homeEfsFileSystemUid", "drift", "ownedBy"])
      expect(o.status, key).not.toHaveProperty(key);
    noNewWriteToTeamA();
  });

  it("tag spoof: the owner key in another case, and aws: keys in any case, are refused by the API server", async () => {
    for (const key of [
      "SageMaker.GitOps.io/Owner",
      OWNER_TAG.toUpperCase(),
      "AWS:cloudformation:stack-name",
      "Aws:x",
    ]) {
      const attempt = create(profile(`m-spoof-${key.length}`, { tags: [{ key, value: "e2e/team-a/alice" }] }));
      await expect(attempt, key).rejects.toMatchObject({ code: 422 });
      await attempt.catch((err: { body?: string }) =>
        expect(String(err.body)).toContain("are reserved (in any upper or lower case)"),
      );
    }
    noNewWriteToTeamA();
  });

  it("mallory's user wrote only SageMakerUserProfile resources and their status in its own namespace", () => {
    const requests = e2e.kube.requestLog().filter((r) => r.user === MALLORY && r.verb !== "get");
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.namespace !== MALLORY || !r.resource.startsWith(PLURAL))).toEqual([]);
  });
});
