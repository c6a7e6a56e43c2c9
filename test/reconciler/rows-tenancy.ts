/**
 * The table's tenancy rows: ownership is read from SageMaker before every write whatever status says, adoption needs a
 * policy allowing it, a namespace no policy covers is refused, Observe never reports another resource's profile, and
 * reserved tag keys are never written in any case.
 */
import { expect } from "vitest";
import { OWNER_TAG, type SageMakerUserProfileStatus } from "../../src/api/types.js";
import { CONSOLE_ROLE, DOMAIN, OWNER, RESYNC, ROLE, type Row, resource, STALLED, type World } from "./world.js";

const TEAM_B = "test/team-b/alice";
/** Someone else's profile named alice, drifted from alice's spec. */
const teamBProfile = (w: World) =>
  w.sagemaker.putProfile(DOMAIN, "alice", { UserSettings: { ExecutionRole: CONSOLE_ROLE } }, [
    { Key: OWNER_TAG, Value: TEAM_B },
  ]);

/** What a user allowed to write the status subresource can claim: that the profile is this resource's. */
async function forgeOwnership(w: World, extra: Partial<SageMakerUserProfileStatus> = {}): Promise<void> {
  const arn = w.sagemaker.profile(DOMAIN, "alice")?.response.UserProfileArn;
  const current = w.get();
  if (!current || !arn) throw new Error("nothing to forge");
  await w.kube.writeStatus(current, { ...current.status, userProfileArn: arn, ownedBy: OWNER, ...extra });
}

const writes = (w: World) => w.sagemaker.calls.filter((c) => !/^(Describe|List)/.test(c.op));

export const rows: Row[] = [
  {
    name: "forged status (ownedBy, userProfileArn): the owner tag is read before the update, which is not sent",
    given: async (w) => {
      teamBProfile(w);
      // No declared tags: nothing but the ownership rule asks for ListTags here.
      w.apply(resource({ tags: [] }));
      await w.reconcile(); // OwnershipConflict, and the finalizer
      await forgeOwnership(w);
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Stalled", "OwnershipConflict", /is owned by test\/team-b\/alice/],
    action: { requeueAfter: STALLED },
    check: (w, turn) => {
      expect(writes(w)).toEqual([]);
      // Nothing of team-b's profile is copied into this status, and the forged claim is gone.
      expect(turn.writes[0]).not.toHaveProperty("ownedBy");
      expect(turn.writes[0]).not.toHaveProperty("userProfileArn");
      expect(turn.writes[0]).not.toHaveProperty("drift");
    },
  },
  {
    name: "forged status and deletionPolicy Delete: the owner tag is read, the profile is not deleted",
    given: async (w) => {
      teamBProfile(w);
      w.apply(resource({ deletionPolicy: "Delete", tags: [] }));
      await w.reconcile();
      await forgeOwnership(w);
      w.delete();
    },
    calls: ["DescribeUserProfile", "ListTags"],
    events: ["Warning NotDeleted"],
    status: "none",
    action: {},
    finalizer: ["remove"],
    check: (w) => {
      expect(writes(w)).toEqual([]);
      expect(w.sagemaker.profile(DOMAIN, "alice")).toBeDefined();
    },
  },
  {
    name: "AdoptionNotAllowed: adoptExisting on an untagged profile while the policy refuses adoption",
    given: (w) => {
      w.sagemaker.putProfile(DOMAIN, "alice", { UserSettings: { ExecutionRole: CONSOLE_ROLE } });
      w.apply(resource({ adoptExisting: true }));
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Stalled", "AdoptionNotAllowed", /adoption is not allowed: the test policy refuses it$/],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
    check: (w) => expect(w.sagemaker.profile(DOMAIN, "alice")?.tags).toEqual([]),
  },
  {
    name: "NoPolicy: no policy covers the namespace (--require-policy): no AWS call, no finalizer",
    given: (w) => {
      w.decision = { allowed: true, policies: [], adoption: { allowed: false, why: "no policy" } };
      w.apply(resource());
    },
    calls: [],
    events: ["Warning NoPolicy"],
    status: ["Stalled", "NoPolicy", /^no SageMakerProfilePolicy covers namespace team-a .*--require-policy/],
    action: {},
  },
  {
    name: "Observe on a profile another resource owns: reported as existing and owned, none of its settings",
    given: (w) => {
      teamBProfile(w);
      w.apply(resource({ managementPolicy: "Observe" }));
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Held", "OwnedByAnother", /^profile d-table0000001\/alice exists and is owned by test\/team-b\/alice;/],
    action: { requeueAfter: RESYNC },
    check: (_, turn) => {
      for (const key of ["userProfileArn", "profileStatus", "homeEfsFileSystemUid", "drift", "ownedBy"])
        expect(turn.writes[0]).not.toHaveProperty(key);
    },
  },
  {
    name: "a look-alike owner tag (other case) is an owner claim: not adopted, not written",
    given: (w) => {
      w.decision = { allowed: true, policies: ["team-a"], adoption: { allowed: true } };
      w.sagemaker.putProfile(DOMAIN, "alice", { UserSettings: { ExecutionRole: ROLE } }, [
        { Key: OWNER_TAG.toUpperCase(), Value: TEAM_B },
      ]);
      w.apply(resource({ adoptExisting: true }));
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Stalled", "OwnershipConflict", /is owned by test\/team-b\/alice/],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
  },
  {
    name: "tag updates never remove reserved keys (the owner tag or aws:, any case), even when status lists them",
    given: async (w) => {
      await w.inSync();
      const stored = w.sagemaker.profile(DOMAIN, "alice");
      stored?.tags.push(
        { Key: "AWS:cloudformation:stack-name", Value: "x" },
        { Key: "Sagemaker.GitOps.io/Owner", Value: "y" },
      );
      w.apply(resource({ tags: [{ key: "team", value: "b" }] }));
      await forgeOwnership(w, {
        managedTagKeys: ["team", OWNER_TAG, "AWS:cloudformation:stack-name", "Sagemaker.GitOps.io/Owner"],
      });
    },
    calls: ["DescribeUserProfile", "ListTags", "AddTags"],
    events: ["Normal TagsUpdated"],
    status: ["InSync", "InSync"],
    action: { requeueAfter: RESYNC },
    check: (w) =>
      expect(
        w.sagemaker
          .profile(DOMAIN, "alice")
          ?.tags.map((t) => t.Key)
          .sort(),
      ).toEqual(["AWS:cloudformation:stack-name", OWNER_TAG, "Sagemaker.GitOps.io/Owner", "team"].sort()),
  },
];
