/**
 * A profile handed to another owner with AWS rights alone (AddTags of the owner tag, no Kubernetes access): whether
 * that moves the profile's LastModifiedTime is undocumented (emulator mode `profileTagWrites`), so the operator's
 * ownership memory vouches only for `--owner-recheck-period`; under either answer it stops writing to the profile
 * within that bound and reports OwnershipConflict.
 */
import { AddTagsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { LOCAL_CREDENTIALS } from "@sagemaker-profile-operator/local-stack/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OWNER_TAG, type SageMakerUserProfile } from "../../src/api/types.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

const NS = "handover";
const RECHECK_MS = 3_000;
const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-TeamA";
const OTHER_OWNER = "other-cluster/handover/profile";

let e2e: E2E;
let sm: SageMakerClient;

beforeAll(async () => {
  e2e = await startE2E({ operator: (c) => (c.ownerRecheckMs = RECHECK_MS) });
  await e2e.stack.ensureNamespaces([NS]);
  // The other owner's tool: AWS credentials, no access to this cluster.
  sm = new SageMakerClient({ region: "us-east-1", endpoint: e2e.sagemaker.url, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  sm?.destroy();
  await e2e?.close();
});

const instanceType = (type: string) => ({ jupyterServerAppSettings: { defaultResourceSpec: { instanceType: type } } });
const ownershipConflict = (o: SageMakerUserProfile | undefined) => {
  const c = condition(o, "Stalled");
  return c?.status === "True" && c.reason === "OwnershipConflict";
};

describe.each(["unchanged", "moved"] as const)(
  "owner tag rewritten with AWS rights alone (profileTagWrites: %s)",
  (mode) => {
    it("stops writing to the profile within --owner-recheck-period and reports OwnershipConflict", async () => {
      e2e.sagemaker.admin.configure({ modes: { profileTagWrites: mode } });
      const name = `handed-${mode}`;
      await e2e.api.createNamespacedCustomObject({
        group: "sagemaker.gitops.io",
        version: "v1alpha1",
        plural: "sagemakeruserprofiles",
        namespace: NS,
        body: {
          apiVersion: "sagemaker.gitops.io/v1alpha1",
          kind: "SageMakerUserProfile",
          metadata: { name, namespace: NS },
          spec: { domainId: DEMO_DOMAIN, userSettings: { executionRole: ROLE } },
        },
      });
      await waitFor(`${name} Ready`, async () => isReady(await e2e.get(NS, name)), 30_000);
      const arn = (await e2e.get(NS, name)).status?.userProfileArn as string;

      await sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: OWNER_TAG, Value: OTHER_OWNER }] }));
      const handedAt = Date.now();
      const updatesTo = (after: number) =>
        e2e.sagemaker
          .mutations("UpdateUserProfile")
          .filter((m) => m.at >= after && String(m.request.UserProfileName).toLowerCase() === name);

      // An edit at once: with `moved` the changed LastModifiedTime already sends the operator to ListTags; with
      // `unchanged` nothing shows the re-tagging yet, and memory may still vouch (the bound is what closes that).
      let gen = await e2e.patch(NS, name, { spec: { userSettings: instanceType("ml.t3.large") } });
      await waitFor(
        `${name} handled the first edit`,
        async () => {
          const o = await e2e.get(NS, name);
          return isReady(o, gen) || ownershipConflict(o);
        },
        15_000,
      );
      if (mode === "moved") expect(updatesTo(handedAt)).toEqual([]);

      // Past the bound, whatever LastModifiedTime shows: the next write reads the owner tag first and is refused.
      await sleep(Math.max(0, handedAt + RECHECK_MS - Date.now()));
      const boundAt = Date.now();
      gen = await e2e.patch(NS, name, { spec: { userSettings: instanceType("ml.t3.xlarge") } });
      const refused = await waitFor(`${name} OwnershipConflict`, async () => {
        const o = await e2e.get(NS, name);
        return ownershipConflict(o) && (o.status?.observedGeneration ?? 0) >= gen ? o : undefined;
      });
      expect(condition(refused, "Stalled")?.message).toContain(`is owned by ${OTHER_OWNER}`);
      await sleep(1_000); // a write this edit caused would show here
      expect(updatesTo(boundAt)).toEqual([]);
      // The other owner's tag is untouched: the operator wrote no tag either.
      expect(e2e.sagemaker.mutations("AddTags").filter((m) => m.at > handedAt)).toEqual([]);
      const tags = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, name)?.tags ?? [];
      expect(tags).toContainEqual({ Key: OWNER_TAG, Value: OTHER_OWNER });
    });
  },
);
