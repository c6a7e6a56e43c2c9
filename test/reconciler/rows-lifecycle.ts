/**
 * The table's second half: deletion, Observe, pause, ownership, the flap guard, guardrails, and errors handed to the
 * controller.
 */
import { expect } from "vitest";
import { OWNER_TAG } from "../../src/api/types.js";
import { MIN_FIRST_POLL_MS } from "../../src/reconciler/settle.js";
import {
  CONSOLE_ROLE,
  DOMAIN,
  driftedRole,
  MINUTE,
  MISSING_DOMAIN,
  OWNER,
  PAUSED,
  POLL,
  RESYNC,
  ROLE,
  type Row,
  resource,
  STALLED,
  type World,
} from "./world.js";

const deleting = async (w: World, r = resource()) => {
  await w.inSync(r);
  w.delete();
};
/** Someone else's profile named alice. */
const foreign = (w: World, tags: { Key: string; Value: string }[] = []) =>
  w.sagemaker.putProfile(DOMAIN, "alice", { UserSettings: { ExecutionRole: ROLE } }, tags);
const violation = (source: string) => ({
  field: ".spec.userSettings.executionRole",
  value: ROLE,
  source,
  rule:
    source === "partition" ? "the operator's partition is aws-cn" : "executionRoles: [arn:aws:iam::*:role/team-b-*]",
});

export const rows: Row[] = [
  {
    name: "delete: DeleteUserProfile for an owned profile (deletionPolicy Delete)",
    given: (w) => deleting(w),
    calls: ["DescribeUserProfile", "ListTags", "DeleteUserProfile"],
    events: ["Normal Deleting"],
    status: ["Progressing", "Deleting", /^DeleteUserProfile accepted$/],
    action: { requeueAfter: POLL },
  },
  {
    name: "delete: waits while SageMaker deletes",
    given: async (w) => {
      await deleting(w);
      await w.reconcile();
    },
    calls: ["DescribeUserProfile"],
    status: ["Progressing", "Deleting", /^waiting for SageMaker/],
    action: { requeueAfter: POLL },
  },
  {
    name: "delete: gone from SageMaker, the finalizer goes and the resource with it",
    given: async (w) => {
      await deleting(w);
      await w.reconcile();
      w.sagemaker.remove(DOMAIN, "alice");
    },
    calls: ["DescribeUserProfile"],
    status: "none",
    action: {},
    finalizer: ["remove"],
    check: (w) => {
      expect(w.get()).toBeUndefined();
      expect(w.seen.forgotten).toEqual(["team-a/alice"]);
    },
  },
  {
    name: "delete blocked: ResourceInUse with nothing listed says what SageMaker answered",
    given: async (w) => {
      await deleting(w);
      w.sagemaker.failNext("DeleteUserProfile", "ResourceInUse");
    },
    calls: ["DescribeUserProfile", "ListTags", "DeleteUserProfile", "ListApps", "ListSpaces"],
    events: ["Warning DeleteBlocked"],
    status: ["Progressing", "DeleteBlocked", /SageMaker answered ResourceInUse.*attempt 1, retrying in 2\.5s/],
    action: { requeueAfter: 2_500 },
  },
  {
    name: "retain: the profile stays without the owner tag, the finalizer goes",
    given: (w) => deleting(w, resource({ deletionPolicy: "Retain" })),
    calls: ["DescribeUserProfile", "ListTags", "DeleteTags"],
    status: "none",
    action: {},
    finalizer: ["remove"],
    check: (w, turn) => {
      expect(turn.calls[2]?.input.TagKeys).toEqual([OWNER_TAG]);
      expect(w.sagemaker.profile(DOMAIN, "alice")?.tags).toEqual([{ Key: "team", Value: "a" }]);
    },
  },
  {
    name: "delete: a profile this resource does not own is left in place",
    given: async (w) => {
      foreign(w, [{ Key: OWNER_TAG, Value: "test/team-b/alice" }]);
      w.apply(resource());
      await w.reconcile();
      w.delete();
    },
    calls: ["DescribeUserProfile", "ListTags"],
    events: ["Warning NotDeleted"],
    status: "none",
    action: {},
    finalizer: ["remove"],
    check: (w) => expect(w.sagemaker.profile(DOMAIN, "alice")).toBeDefined(),
  },
  {
    name: "delete in a missing domain (Describe answers ValidationException): nothing to delete, it goes",
    given: async (w) => {
      w.apply(resource({ domainId: MISSING_DOMAIN }));
      w.sagemaker.failNext("DescribeUserProfile", "ValidationException");
      await w.reconcile();
      w.delete();
      w.sagemaker.failNext("DescribeUserProfile", "ValidationException");
    },
    calls: ["DescribeUserProfile", "DescribeDomain"],
    status: "none",
    action: {},
    finalizer: ["remove"],
  },
  {
    name: "observe: a missing profile is reported NotFound, never created",
    given: (w) => w.apply(resource({ managementPolicy: "Observe" })),
    calls: ["DescribeUserProfile"],
    status: ["Held", "NotFound", /^profile d-table0000001\/alice does not exist$/],
    action: { requeueAfter: RESYNC },
  },
  {
    name: "observe: drift is reported DriftDetected, never repaired",
    given: (w) => {
      w.sagemaker.putProfile(DOMAIN, "alice", { UserSettings: { ExecutionRole: CONSOLE_ROLE } });
      w.apply(resource({ managementPolicy: "Observe" }));
    },
    // Observe reads the owner tag each time: a profile another resource owns would show nothing of its settings.
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Held", "DriftDetected", /^Observe only; differs: executionRole: .*ConsoleEdit -> .*Studio$/],
    action: { requeueAfter: RESYNC },
  },
  {
    name: "pause: no SageMaker call at all",
    given: async (w) => {
      await w.inSync();
      w.apply(resource({}, { annotations: { [PAUSED]: "true" } }));
    },
    calls: [],
    status: ["Paused", "Paused", /is "true"$/],
    action: {},
  },
  {
    name: "adopt: an untagged profile, adoptExisting and a policy allowing it: the owner tag, then the declared tags",
    given: (w) => {
      foreign(w);
      w.decision = { allowed: true, policies: ["team-a"], adoption: { allowed: true } };
      w.apply(resource({ adoptExisting: true }));
    },
    calls: ["DescribeUserProfile", "ListTags", "AddTags", "AddTags"],
    events: ["Normal Adopted", "Normal TagsUpdated"],
    status: ["InSync", "InSync"],
    action: { requeueAfter: RESYNC },
    finalizer: ["add"],
    check: (_w, turn) => {
      expect(turn.calls[2]?.input.Tags).toEqual([{ Key: OWNER_TAG, Value: OWNER }]);
      expect(turn.writes[0]?.ownedBy).toBe(OWNER);
    },
  },
  {
    name: "create after a List without the name: CreateUserProfile with no Describe first",
    given: (w) => {
      w.absentFromList = true;
      w.apply(resource());
    },
    calls: ["CreateUserProfile"],
    events: ["Normal Created"],
    status: ["Progressing", "Creating"],
    action: { requeueAfter: POLL },
    finalizer: ["add"],
  },
  {
    name: "create after a stale List: ResourceInUse, then described and its owner tag checked like any existing one",
    given: (w) => {
      foreign(w);
      w.absentFromList = true;
      w.apply(resource());
    },
    calls: ["CreateUserProfile", "DescribeUserProfile", "ListTags"],
    status: ["Stalled", "AlreadyExists"],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
  },
  {
    name: "AlreadyExists: an untagged profile without adoptExisting is not written",
    given: (w) => {
      foreign(w);
      w.apply(resource());
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Stalled", "AlreadyExists", /set spec\.adoptExisting: true/],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
    check: (_, turn) => expect(turn.writes[0]?.ownedBy).toBeUndefined(),
  },
  {
    name: "OwnershipConflict: a profile another resource owns is not written, adoptExisting or not",
    given: (w) => {
      foreign(w, [{ Key: OWNER_TAG, Value: "test/team-b/alice" }]);
      w.apply(resource({ adoptExisting: true }));
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["Stalled", "OwnershipConflict", /is owned by test\/team-b\/alice/],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
  },
  {
    name: "a lost CreateUserProfile answer (its retry: ResourceInUse): the profile is ours, taken at once",
    given: (w) => {
      w.apply(resource());
      w.sagemaker.failNext("CreateUserProfile", "ResourceInUse", { applied: true });
    },
    calls: ["DescribeUserProfile", "CreateUserProfile", "DescribeUserProfile", "ListTags"],
    status: ["Progressing", "ProfilePending"],
    action: { requeueAfter: POLL },
    finalizer: ["add"],
    check: (w, turn) => {
      expect(turn.writes[0]?.ownedBy).toBe(OWNER);
      expect(w.seen.inUse).toBe(0);
    },
  },
  {
    name: "CreateUserProfile answers ResourceInUse and there is no profile: the in-use backoff",
    given: (w) => {
      w.apply(resource());
      w.sagemaker.failNext("CreateUserProfile", "ResourceInUse");
    },
    calls: ["DescribeUserProfile", "CreateUserProfile", "DescribeUserProfile"],
    events: ["Warning ResourceInUse"],
    status: ["Progressing", "ResourceInUse"],
    action: { requeueAfter: 2_500 },
    finalizer: ["add"],
  },
  {
    name: "contested: after three repairs within the window, held (Contested) instead of a fourth",
    given: async (w) => {
      await w.inSync();
      for (let i = 0; i < 3; i++) {
        driftedRole(w);
        await w.reconcile(); // repaired
        await w.reconcile(); // in sync again
        w.clock.advance(MINUTE);
      }
      driftedRole(w);
    },
    calls: ["DescribeUserProfile"],
    events: ["Warning Contested"],
    status: [
      "Held",
      "Contested",
      /^userSettings\.executionRole changed back after 3 repairs within 10 min: .*next repair in 60\.0s$/,
    ],
    action: { requeueAfter: MINUTE },
  },
  {
    name: "contested: once the hold is over, one more repair (and the next hold is longer)",
    given: async (w) => {
      await w.inSync();
      for (let i = 0; i < 3; i++) {
        driftedRole(w);
        await w.reconcile();
        await w.reconcile();
        w.clock.advance(MINUTE);
      }
      driftedRole(w);
      await w.reconcile();
      w.clock.advance(MINUTE);
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Normal Updated"],
    // The earlier repairs were seen settled at once (the fake clock stood still): the Describe after this one comes
    // after the shortest wait, and a settle that short writes no Updating status of its own.
    status: "none",
    action: { requeueAfter: MIN_FIRST_POLL_MS },
  },
  {
    name: "settle time learnt: the Describe after an update comes when updates were seen to settle, no Updating write",
    given: async (w) => {
      await w.inSync();
      driftedRole(w);
      await w.reconcile(); // UpdateUserProfile; SageMaker settles it within 1 s
      w.clock.advance(1_000);
      await w.reconcile(); // InService: 1 s learnt
      w.clock.advance(MINUTE);
      driftedRole(w);
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"], // the owner tag read before any write
    events: ["Normal Updated"],
    status: "none",
    action: { requeueAfter: 1_250 },
  },
  {
    name: "policy: PolicyViolation before any AWS call and before the finalizer",
    given: (w) => {
      w.decision = { allowed: false, violations: [violation("SageMakerProfilePolicy/team-a")] };
      w.apply(resource());
    },
    calls: [],
    events: ["Warning PolicyViolation"],
    status: ["Stalled", "PolicyViolation", /executionRole .* is not allowed by SageMakerProfilePolicy\/team-a/],
    action: {},
  },
  {
    name: "policy: the same refusal again says nothing new",
    given: async (w) => {
      w.decision = { allowed: false, violations: [violation("SageMakerProfilePolicy/team-a")] };
      w.apply(resource());
      await w.reconcile();
    },
    calls: [],
    status: "unchanged",
    action: {},
  },
  {
    name: "policy: PartitionMismatch when only the partition rule is broken",
    given: (w) => {
      w.decision = { allowed: false, violations: [violation("partition")] };
      w.apply(resource());
    },
    calls: [],
    events: ["Warning PartitionMismatch"],
    status: ["Stalled", "PartitionMismatch"],
    action: {},
  },
  {
    name: "policy: PolicyPending while the namespace's labels are not known, looked at again soon",
    given: (w) => {
      w.decision = { allowed: "unknown", reason: "namespace team-a is not in the cache yet" };
      w.apply(resource());
    },
    calls: [],
    status: ["Progressing", "PolicyPending", /^namespace team-a is not in the cache yet$/],
    action: { requeueAfter: POLL },
  },
  ...(
    [
      ["AccountNotFound", "SageMakerAccount spoke (spec.accountRef.name) does not exist"],
      [
        "AccountNotReady",
        "SageMakerAccount spoke is not ready: AccessDenied: not authorized to perform: sts:AssumeRole",
      ],
      ["AccountNotAllowed", "SageMakerAccount spoke (spec.accountRef.name) does not allow namespace team-a"],
      ["RegionNotAllowed", "SageMakerAccount spoke does not allow region ap-south-1 (allowed: eu-west-1)"],
      ["AccountMismatch", "the profile exists as arn:..., but this resource now resolves to another account"],
    ] as const
  ).map(
    ([reason, message]): Row => ({
      name: `accounts: ${reason} before any AWS call and before the finalizer, retried slowly`,
      given: (w) => {
        w.account = { ok: false, reason, message };
        w.apply(resource());
      },
      calls: [],
      events: [`Warning ${reason}`],
      status: ["Stalled", reason, new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)],
      action: { requeueAfter: STALLED },
    }),
  ),
  {
    name: "accounts: AccountPending while the namespace's labels are not known, looked at again soon",
    given: (w) => {
      w.account = { ok: "unknown", message: "the labels of namespace team-a are not known yet" };
      w.apply(resource());
    },
    calls: [],
    status: ["Progressing", "AccountPending", /^the labels of namespace team-a are not known yet$/],
    action: { requeueAfter: POLL },
  },
  {
    name: "accounts: a resource being deleted whose account is gone keeps its finalizer and calls nothing",
    given: async (w) => {
      w.apply(resource());
      await w.reconcile();
      w.clock.advance(MINUTE);
      await w.reconcile();
      w.account = { ok: false, reason: "AccountNotFound", message: "SageMakerAccount spoke does not exist" };
      w.delete();
    },
    calls: [],
    events: ["Warning AccountNotFound"],
    status: ["Stalled", "AccountNotFound"],
    action: { requeueAfter: STALLED },
  },
  {
    name: "OwnerTagTooLong: a name that would not fit in the owner tag is refused before any call",
    given: (w) => w.apply(resource({}, { name: "a".repeat(250) })),
    calls: [],
    status: ["Stalled", "OwnerTagTooLong", /would be 262 characters and SageMaker allows 256/],
    action: {},
  },
  {
    name: "the resource is gone: its backoffs and metrics are forgotten",
    given: (w) => {
      w.key = "team-a/nobody";
    },
    calls: [],
    status: "none",
    action: {},
    check: (w) => expect(w.seen.forgotten).toEqual(["team-a/nobody"]),
  },
  {
    name: "a Kubernetes error (the status write) goes to the controller",
    given: (w) => {
      w.apply(resource());
      w.kube.failNextStatusWrite = new Error("the API server is down");
    },
    calls: ["DescribeUserProfile", "CreateUserProfile"],
    events: ["Normal Created"],
    status: "none",
    raises: /the API server is down/,
    finalizer: ["add"],
  },
  {
    name: "aborted (the controller's stop deadline passed): nothing more is sent or written, the controller decides",
    given: (w) => w.inSync(),
    context: () => ({ signal: AbortSignal.abort(new Error("controller stopped")), attempt: 0 }),
    calls: [],
    status: "none",
    raises: /controller stopped/,
  },
];
