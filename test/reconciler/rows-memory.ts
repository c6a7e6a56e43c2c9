/**
 * The table's ownership-memory rows: a spec edit of a profile this process created, or whose owner tag it read, is
 * Describe and UpdateUserProfile (the Describe after it makes 3 calls); any sign of another writer since (a moved
 * LastModifiedTime, a profile deleted and made again under the name) reads the owner tag again before writing, and so
 * does the first write after the owner recheck period (a re-tagging with AWS rights alone may not move LastModifiedTime).
 */
import { expect } from "vitest";
import { OWNER_TAG } from "../../src/api/types.js";
import { MIN_FIRST_POLL_MS } from "../../src/reconciler/settle.js";
import {
  CONSOLE_ROLE,
  DOMAIN,
  MINUTE,
  OWNER,
  OWNER_RECHECK,
  POLL,
  ROLE,
  type Row,
  resource,
  STALLED,
  type World,
} from "./world.js";

/** No declared tags: only the ownership rule could ask for ListTags (declared tags are compared on a spec edit). */
const untagged = (role = ROLE) => resource({ tags: [], userSettings: { executionRole: role } });

const updates = (w: World) => w.sagemaker.calls.filter((c) => c.op === "UpdateUserProfile");

/** Another owner's tag written with AWS rights alone (AddTags): the profile's LastModifiedTime does not move. */
const retagged = (w: World) => {
  const stored = w.sagemaker.profile(DOMAIN, "alice");
  if (stored) stored.tags = [{ Key: OWNER_TAG, Value: "other-cluster/team-a/alice" }];
};

export const rows: Row[] = [
  {
    name: "spec edit of a profile this process created: Describe and UpdateUserProfile, no ListTags",
    given: async (w) => {
      await w.inSync(untagged());
      w.apply(untagged(CONSOLE_ROLE));
    },
    calls: ["DescribeUserProfile", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating", /UpdateUserProfile sent for executionRole/],
    action: { requeueAfter: POLL },
    check: (w) => expect(updates(w).at(-1)?.input.UserSettings).toEqual({ ExecutionRole: CONSOLE_ROLE }),
  },
  {
    name: "spec edit of a profile whose owner tag this process read earlier: no second ListTags",
    given: async (w) => {
      // Ours from an earlier run whose status was lost: the first reconcile reads the owner tag.
      w.sagemaker.putProfile(DOMAIN, "alice", { UserSettings: { ExecutionRole: ROLE } }, [
        { Key: OWNER_TAG, Value: OWNER },
      ]);
      w.apply(untagged());
      const first = await w.reconcile();
      expect(first.calls.map((c) => c.op)).toEqual(["DescribeUserProfile", "ListTags"]);
      w.apply(untagged(CONSOLE_ROLE));
    },
    calls: ["DescribeUserProfile", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating"],
    action: { requeueAfter: POLL },
  },
  {
    name: "the Describe after our own update (LastModifiedTime moved by it) still vouches: the next edit needs no ListTags",
    given: async (w) => {
      await w.inSync(untagged());
      w.apply(untagged(CONSOLE_ROLE));
      await w.reconcile(); // Describe, Update
      w.edit({ Status: "InService" }); // SageMaker settles it (and moves LastModifiedTime again)
      await w.reconcile(); // the Describe that sees it InService
      w.apply(untagged());
    },
    calls: ["DescribeUserProfile", "UpdateUserProfile"],
    events: ["Normal Updated"],
    // The first update taught how long SageMaker takes (here at once): the Describe after it reports it, no Updating.
    status: "none",
    action: { requeueAfter: MIN_FIRST_POLL_MS },
  },
  {
    name: "spec edit after an out-of-band change of the profile: the owner tag is read again before the update",
    given: async (w) => {
      await w.inSync(untagged());
      // Someone else changed the profile (it could have been a re-tagging): LastModifiedTime moved.
      w.edit({ HomeEfsFileSystemUid: "200002" });
      w.apply(untagged(CONSOLE_ROLE));
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating"],
    action: { requeueAfter: POLL },
  },
  {
    name: "profile deleted and made again under the name by another resource (same ARN): ListTags, not updated",
    given: async (w) => {
      await w.inSync(untagged());
      const before = w.sagemaker.profile(DOMAIN, "alice")?.response;
      // Same name, so the same ARN, and even the same LastModifiedTime: only CreationTime tells it is another profile.
      w.sagemaker.putProfile(
        DOMAIN,
        "alice",
        {
          CreationTime: new Date(3_600_000),
          LastModifiedTime: before?.LastModifiedTime,
          UserSettings: { ExecutionRole: ROLE },
        },
        [{ Key: OWNER_TAG, Value: "test/team-b/alice" }],
      );
      w.apply(untagged(CONSOLE_ROLE));
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Stalled", "OwnershipConflict", /is owned by test\/team-b\/alice/],
    action: { requeueAfter: STALLED },
    check: (w) => expect(updates(w)).toEqual([]),
  },
  {
    name: "a refusal forgets: once OwnershipConflict was seen, the profile is never vouched for from memory",
    given: async (w) => {
      await w.inSync(untagged());
      const stored = w.sagemaker.profile(DOMAIN, "alice");
      if (stored) stored.tags = [{ Key: OWNER_TAG, Value: "test/team-b/alice" }];
      w.edit({ HomeEfsFileSystemUid: "200002" });
      w.apply(untagged(CONSOLE_ROLE));
      expect((await w.reconcile()).calls.map((c) => c.op)).toEqual(["DescribeUserProfile", "ListTags"]);
      // Nothing changed since (same LastModifiedTime): had the refusal not forgotten, memory would vouch now.
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: "unchanged",
    action: { requeueAfter: STALLED },
    check: (w) => expect(updates(w)).toEqual([]),
  },
  {
    name: "spec edit just before the owner recheck period ends: memory still vouches, no ListTags",
    given: async (w) => {
      await w.inSync(untagged());
      w.clock.advance(OWNER_RECHECK - 1);
      w.apply(untagged(CONSOLE_ROLE));
    },
    calls: ["DescribeUserProfile", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating"],
    action: { requeueAfter: POLL },
  },
  {
    name: "owner tag changed with AWS rights alone (LastModifiedTime unchanged): the first write after the owner recheck period reads it, OwnershipConflict, not updated",
    given: async (w) => {
      await w.inSync(untagged());
      retagged(w);
      w.clock.advance(OWNER_RECHECK);
      w.apply(untagged(CONSOLE_ROLE));
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Stalled", "OwnershipConflict", /is owned by other-cluster\/team-a\/alice/],
    action: { requeueAfter: STALLED },
    check: (w) => expect(updates(w)).toEqual([]),
  },
  {
    name: "a Describe with nothing to write does not extend the owner recheck period: the first edit after it reads the owner tag",
    given: async (w) => {
      await w.inSync(untagged());
      w.clock.advance(OWNER_RECHECK - MINUTE);
      expect((await w.reconcile()).calls.map((c) => c.op)).toEqual(["DescribeUserProfile"]);
      w.clock.advance(MINUTE);
      w.apply(untagged(CONSOLE_ROLE));
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating"],
    action: { requeueAfter: POLL },
  },
  {
    name: "still ours after the owner recheck period: one ListTags, and memory vouches again for a new period",
    given: async (w) => {
      await w.inSync(untagged());
      w.clock.advance(OWNER_RECHECK);
      w.apply(untagged(CONSOLE_ROLE));
      const edit = await w.reconcile();
      expect(edit.calls.map((c) => c.op)).toEqual(["DescribeUserProfile", "ListTags", "UpdateUserProfile"]);
      w.edit({ Status: "InService" });
      await w.reconcile(); // the Describe that sees it InService
      w.clock.advance(OWNER_RECHECK - MINUTE);
      w.apply(untagged());
    },
    calls: ["DescribeUserProfile", "UpdateUserProfile"],
    events: ["Normal Updated"],
    // The first update taught how long SageMaker takes (here at once): the Describe after it reports it, no Updating.
    status: "none",
    action: { requeueAfter: MIN_FIRST_POLL_MS },
  },
];
