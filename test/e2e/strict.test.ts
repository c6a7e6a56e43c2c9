/**
 * Where SageMaker is strict, the operator end to end: profile names that differ only in case are one profile (one
 * owner, one OwnershipConflict, never a fight), a domain that does not exist (Stalled DomainNotFound, no hot loop), and
 * five security groups in a VpcOnly domain (Stalled with SageMaker's refusal). Each under every emulator mode of the
 * undocumented answers involved.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OWNER_TAG, type SageMakerUserProfile } from "../../src/api/types.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-Strict";
const coords = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeruserprofiles" };
/** Many poll intervals (300 ms in the harness) and resync periods (700 ms here). */
const QUIET_MS = 2_500;

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({ operator: (c) => (c.resyncPeriodMs = 700) });
  await e2e.stack.ensureNamespaces(["team-x", "team-y"]);
});
afterAll(async () => {
  await e2e?.close();
});

const create = (namespace: string, name: string, spec: Record<string, unknown>) =>
  e2e.api.createNamespacedCustomObject({
    ...coords,
    namespace,
    body: {
      apiVersion: "sagemaker.gitops.io/v1alpha1",
      kind: "SageMakerUserProfile",
      metadata: { name, namespace },
      spec: { domainId: DEMO_DOMAIN, userSettings: { executionRole: ROLE }, ...spec },
    },
  });
const stalled = (o: SageMakerUserProfile | undefined, reason: string) => {
  const c = condition(o, "Stalled");
  return c?.status === "True" && c.reason === reason;
};
const WRITES = new Set(["CreateUserProfile", "UpdateUserProfile", "DeleteUserProfile", "AddTags", "DeleteTags"]);

describe.each(["lowercase", "asCreated"] as const)("profile names differing only in case (Describe: %s)", (mode) => {
  it("end as one owner and one OwnershipConflict, with one create and no fight", async () => {
    e2e.sagemaker.admin.configure({ modes: { profileNameCase: mode } });
    const name = `Casey-${mode}`;
    const keys = [
      ["team-x", `upper-${mode.toLowerCase()}`, name],
      ["team-y", `lower-${mode.toLowerCase()}`, name.toLowerCase()],
    ] as const;
    e2e.sagemaker.resetCalls();
    // Applied together: both may find no profile and create; SageMaker takes one, the other finds it owned.
    await Promise.all(keys.map(([ns, n, profile]) => create(ns, n, { userProfileName: profile })));
    const settled = await waitFor("one Ready, one OwnershipConflict", async () => {
      const objs = await Promise.all(keys.map(([ns, n]) => e2e.get(ns, n)));
      const owner = objs.find((o) => isReady(o));
      const other = objs.find((o) => stalled(o, "OwnershipConflict"));
      return owner && other ? { owner, other } : undefined;
    });
    const { owner, other } = settled;
    expect(e2e.sagemaker.calls().CreateUserProfile?.ok).toBe(1);
    const ownerTag = `e2e/${owner.metadata.namespace}/${owner.metadata.name}`;
    const profile = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, name);
    expect(profile?.tags).toContainEqual({ Key: OWNER_TAG, Value: ownerTag });
    expect(condition(other, "Stalled")?.message).toContain(`is owned by ${ownerTag}`);
    expect(owner.status?.userProfileArn).toMatch(new RegExp(`/${name.toLowerCase()}$`));

    // No fight: across many polls and List resyncs, nobody writes to the profile, and both keep their state.
    e2e.sagemaker.resetCalls();
    await sleep(QUIET_MS);
    expect(e2e.sagemaker.mutations()).toEqual([]);
    // List's name matches the spec's whatever its case: the resync does not take the profile for vanished.
    expect(e2e.sagemaker.calls().DescribeUserProfile).toBeUndefined();
    expect(isReady(await e2e.get(owner.metadata.namespace as string, owner.metadata.name as string))).toBe(true);
    expect(
      stalled(await e2e.get(other.metadata.namespace as string, other.metadata.name as string), "OwnershipConflict"),
    ).toBe(true);

    // Deleting the duplicate leaves the owner's profile alone.
    await e2e.remove(other.metadata.namespace as string, other.metadata.name as string);
    await waitFor(
      "the duplicate gone",
      async () => (await e2e.tryGet(other.metadata.namespace as string, other.metadata.name as string)) === undefined,
    );
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, name)?.tags).toContainEqual({ Key: OWNER_TAG, Value: ownerTag });
    expect(e2e.sagemaker.calls().DeleteUserProfile).toBeUndefined();
  });
});

describe.each(["ResourceNotFound", "ValidationException"] as const)(
  "a domain that does not exist (profile calls answer %s)",
  (code) => {
    const domainId = code === "ResourceNotFound" ? "d-missing00001" : "d-missing00002";
    const name = `nodomain-${code.toLowerCase()}`;
    const about = () => e2e.sagemaker.requests().filter((r) => r.request.DomainId === domainId);

    it("is Stalled DomainNotFound naming the domain, retried slowly, at once on a spec change, until it exists", async () => {
      e2e.sagemaker.admin.configure({ modes: { missingDomainError: code } });
      e2e.sagemaker.resetCalls();
      await create("team-x", name, { domainId });
      const first = await waitFor("DomainNotFound", async () => {
        const o = await e2e.get("team-x", name);
        return stalled(o, "DomainNotFound") ? o : undefined;
      });
      expect(condition(first, "Stalled")?.message).toMatch(new RegExp(`^domain ${domainId} does not exist`));
      expect(condition(first, "Ready")?.status).toBe("False");
      expect(e2e.sagemaker.calls().CreateUserProfile?.[code] ?? 0).toBeLessThanOrEqual(1);

      // No hot loop: nothing more is asked about the domain across many poll intervals.
      const asked = about().length;
      await sleep(QUIET_MS);
      expect(about().length).toBe(asked);

      // A spec change retries at once, with one DescribeDomain.
      const gen = await e2e.patch("team-x", name, { spec: { userSettings: { studioWebPortal: "DISABLED" } } });
      await waitFor("DomainNotFound for the new generation", async () => {
        const o = await e2e.get("team-x", name);
        return stalled(o, "DomainNotFound") && condition(o, "Stalled")?.observedGeneration === gen;
      });
      expect(
        about()
          .slice(asked)
          .map((r) => r.op),
      ).toEqual(["DescribeDomain"]);

      // Once the domain exists, the next retry (here a spec change) creates the profile.
      e2e.sagemaker.admin.createDomain({ domainId, defaultUserSettings: { ExecutionRole: ROLE } });
      const ready = await e2e.patch("team-x", name, { spec: { userSettings: { studioWebPortal: "ENABLED" } } });
      await waitFor("Ready in the new domain", async () => isReady(await e2e.get("team-x", name), ready));
      expect(e2e.sagemaker.store.getProfile(domainId, name)?.status).toBe("InService");
    });

    it("lets a resource in a missing domain be deleted (there is no profile to delete)", async () => {
      e2e.sagemaker.admin.configure({ modes: { missingDomainError: code } });
      const gone = `${name}-gone`;
      await create("team-y", gone, { domainId: `${domainId}x` });
      await waitFor("DomainNotFound", async () => stalled(await e2e.get("team-y", gone), "DomainNotFound"));
      await e2e.remove("team-y", gone);
      await waitFor("deleted", async () => (await e2e.tryGet("team-y", gone)) === undefined);
      expect(
        e2e.sagemaker
          .requests()
          .filter((r) => r.request.DomainId === `${domainId}x` && WRITES.has(r.op) && r.op !== "CreateUserProfile"),
      ).toEqual([]);
    });
  },
);

describe("security groups in a VpcOnly domain", () => {
  const groups = (n: number) => Array.from({ length: n }, (_, i) => `sg-0b${String(i).padStart(15, "0")}`);

  it("five are refused (SageMaker adds the NFS group): Stalled with its message, not retried in a loop; four converge", async () => {
    e2e.sagemaker.resetCalls();
    await create("team-x", "five-groups", { userSettings: { executionRole: ROLE, securityGroups: groups(5) } });
    const refused = await waitFor("Stalled ValidationException", async () => {
      const o = await e2e.get("team-x", "five-groups");
      return stalled(o, "ValidationException") ? o : undefined;
    });
    expect(condition(refused, "Stalled")?.message).toMatch(/VpcOnly domain may have at most 4/);
    await sleep(QUIET_MS);
    expect(e2e.sagemaker.calls().CreateUserProfile).toEqual({ ValidationException: 1 });

    const gen = await e2e.patch("team-x", "five-groups", { spec: { userSettings: { securityGroups: groups(4) } } });
    await waitFor("Ready with four", async () => isReady(await e2e.get("team-x", "five-groups"), gen));
    // Describe shows them with the domain's default group and its NFS group.
    expect(e2e.describe("five-groups")?.UserSettings?.SecurityGroups).toEqual(expect.arrayContaining(groups(4)));
  });
});
