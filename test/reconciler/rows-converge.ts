/** The table's first half: create, wait, sync, drift and tags, the backoffs, stalls and the missing domain. */
import { expect } from "vitest";
import {
  CONSOLE_ROLE,
  DOMAIN,
  DOMAIN_SG,
  driftedRole,
  MISSING_DOMAIN,
  OWNER,
  POLL,
  RESYNC,
  ROLE,
  type Row,
  resource,
  STALLED,
} from "./world.js";

export const rows: Row[] = [
  {
    name: "create: a missing profile is created with the declared and the owner tag",
    given: (w) => w.apply(resource()),
    calls: ["DescribeUserProfile", "CreateUserProfile"],
    events: ["Normal Created"],
    status: ["Progressing", "Creating", /^CreateUserProfile accepted/],
    action: { requeueAfter: POLL },
    finalizer: ["add"],
    check: (_w, turn) => {
      expect(turn.calls[1]?.input.Tags).toEqual([
        { Key: "team", Value: "a" },
        { Key: "sagemaker.gitops.io/owner", Value: OWNER },
      ]);
      expect(turn.writes[0]).toMatchObject({ ownedBy: OWNER, profileStatus: "Pending", managedTagKeys: ["team"] });
      expect(turn.writes[0]?.userProfileArn).toMatch(/user-profile\/d-table0000001\/alice$/);
    },
  },
  {
    name: "wait: Pending is polled, with no ListTags (ownership is in status)",
    given: async (w) => {
      w.apply(resource());
      await w.reconcile();
    },
    calls: ["DescribeUserProfile"],
    status: ["Progressing", "ProfilePending", /Pending/],
    action: { requeueAfter: POLL },
  },
  {
    name: "wait: Updating is polled",
    given: async (w) => {
      w.apply(resource());
      await w.reconcile();
      w.edit({ Status: "Updating" });
    },
    calls: ["DescribeUserProfile"],
    status: ["Progressing", "ProfileUpdating"],
    action: { requeueAfter: POLL },
  },
  {
    name: "in sync: the first time tags are compared (one ListTags), then resync",
    given: async (w) => {
      w.apply(resource());
      await w.reconcile();
      w.edit({ Status: "InService" });
    },
    calls: ["DescribeUserProfile", "ListTags"],
    status: ["InSync", "InSync"],
    action: { requeueAfter: RESYNC },
    check: (w, turn) => {
      expect(turn.writes[0]?.lastSyncTime).toBe("2025-01-01T00:00:00Z");
      expect(turn.writes[0]?.drift).toEqual({ count: 0, fields: [] });
      expect(w.seen.observed).toBe(1); // the create found nothing to observe
    },
  },
  {
    name: "resync of an in-sync profile: one Describe, the same status (no write)",
    given: (w) => w.inSync(),
    calls: ["DescribeUserProfile"],
    status: "unchanged",
    action: { requeueAfter: RESYNC },
  },
  {
    name: "declared security groups: DescribeDomain's groups, which SageMaker adds, are not drift",
    given: async (w) => {
      const groups = ["sg-0a0a0a0a0a0a0a0a1"];
      w.apply(resource({ userSettings: { executionRole: ROLE, securityGroups: groups } }));
      await w.reconcile();
      w.edit({ Status: "InService", UserSettings: { ExecutionRole: ROLE, SecurityGroups: [...groups, DOMAIN_SG] } });
    },
    calls: ["DescribeUserProfile", "DescribeDomain", "ListTags"],
    status: ["InSync", "InSync"],
    action: { requeueAfter: RESYNC },
  },
  {
    name: "drift: an out-of-band change is repaired with one UpdateUserProfile, after one ListTags",
    given: async (w) => {
      await w.inSync();
      driftedRole(w);
    },
    // The status says the profile is ours, but a write needs the owner tag read now (status can be forged).
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating", /UpdateUserProfile sent for executionRole/],
    action: { requeueAfter: POLL },
    check: (w, turn) => {
      expect(turn.calls[2]?.input).toEqual({
        DomainId: DOMAIN,
        UserProfileName: "alice",
        UserSettings: { ExecutionRole: ROLE },
      });
      expect(turn.writes[0]?.drift).toMatchObject({ count: 1, fields: ["/userSettings/executionRole"] });
      expect(w.seen.repaired).toEqual(["executionRole"]);
    },
  },
  {
    name: "drift with coupled members: the update leaves the observed one out, and the Updated event names it",
    given: async (w) => {
      await w.inSync();
      w.edit({
        UserSettings: {
          ExecutionRole: ROLE,
          RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" },
        },
      });
      w.apply(
        resource({ userSettings: { executionRole: ROLE, rStudioServerProAppSettings: { accessStatus: "DISABLED" } } }),
      );
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating", /rStudioServerProAppSettings/],
    action: { requeueAfter: POLL },
    check: (w, turn) => {
      expect(turn.calls[2]?.input.UserSettings).toEqual({ RStudioServerProAppSettings: { AccessStatus: "DISABLED" } });
      expect(w.kube.events.at(-1)?.note).toMatch(
        /^Updated \(left out rStudioServerProAppSettings\.userGroup: checked together with declared members\) /,
      );
    },
  },
  {
    name: "spec edit: the update and a newly declared tag",
    given: async (w) => {
      await w.inSync();
      w.apply(
        resource({
          userSettings: { executionRole: CONSOLE_ROLE },
          tags: [
            { key: "team", value: "a" },
            { key: "cost-center", value: "42" },
          ],
        }),
      );
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile", "AddTags"],
    events: ["Normal TagsUpdated", "Normal Updated"],
    status: ["Progressing", "Updating"],
    action: { requeueAfter: POLL },
    check: (_, turn) => expect(turn.calls[3]?.input.Tags).toEqual([{ Key: "cost-center", Value: "42" }]),
  },
  {
    name: "tags: a key no longer declared is removed; foreign tags and the owner tag stay",
    given: async (w) => {
      await w.inSync();
      w.sagemaker.profile(DOMAIN, "alice")?.tags.push({ Key: "foreign", Value: "x" });
      w.apply(resource({ tags: [] }));
    },
    calls: ["DescribeUserProfile", "ListTags", "DeleteTags"],
    events: ["Normal TagsUpdated"],
    status: ["InSync", "InSync"],
    action: { requeueAfter: RESYNC },
    check: (w, turn) => {
      expect(turn.calls[2]?.input.TagKeys).toEqual(["team"]);
      expect(w.sagemaker.profile(DOMAIN, "alice")?.tags.map((t) => t.Key)).toEqual([
        "sagemaker.gitops.io/owner",
        "foreign",
      ]);
      expect(turn.writes[0]?.managedTagKeys).toEqual([]);
    },
  },
  {
    name: "ResourceInUse: retried with a growing, jittered backoff (attempt 2: 5 s of up to 10 s)",
    given: async (w) => {
      await w.inSync();
      driftedRole(w);
      w.sagemaker.failNext("UpdateUserProfile", "ResourceInUse");
      w.sagemaker.failNext("UpdateUserProfile", "ResourceInUse");
      const first = await w.reconcile();
      expect(first.action).toEqual({ requeueAfter: 2_500 });
    },
    // Not Ready since the first answer: tags are compared again.
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Warning ResourceInUse"],
    status: ["Progressing", "ResourceInUse", /another change is in progress\); attempt 2, retrying in 5\.0s/],
    action: { requeueAfter: 5_000 },
    check: (w) => expect(w.seen.inUse).toBe(2),
  },
  {
    name: "ResourceInUse after a success starts the backoff over",
    given: async (w) => {
      await w.inSync();
      driftedRole(w);
      w.sagemaker.failNext("UpdateUserProfile", "ResourceInUse");
      await w.reconcile();
      await w.reconcile(); // the update goes through
      driftedRole(w);
      w.sagemaker.failNext("UpdateUserProfile", "ResourceInUse");
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Warning ResourceInUse"],
    status: ["Progressing", "ResourceInUse", /attempt 1, retrying in 2\.5s/],
    action: { requeueAfter: 2_500 },
  },
  {
    name: "throttled: Retrying Throttled after the transient backoff",
    given: async (w) => {
      await w.inSync();
      w.sagemaker.failNext("DescribeUserProfile", "ThrottlingException");
    },
    calls: ["DescribeUserProfile"],
    status: ["Progressing", "Throttled", /^ThrottlingException: .*; retrying in 0\.5s$/],
    action: { requeueAfter: 500 },
  },
  {
    name: "transient: a 5xx is Retrying TransientError",
    given: async (w) => {
      await w.inSync();
      driftedRole(w);
      w.sagemaker.failNext("UpdateUserProfile", "InternalFailure", { httpStatus: 500 });
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    status: ["Progressing", "TransientError", /^InternalFailure: /],
    action: { requeueAfter: 500 },
  },
  {
    name: "stall: Failed is Stalled with SageMaker's FailureReason, never updated",
    given: async (w) => {
      await w.inSync();
      w.edit({ Status: "Failed", FailureReason: "KMS key is not accessible", UserSettings: {} });
    },
    calls: ["DescribeUserProfile"],
    status: ["Stalled", "Failed", /^KMS key is not accessible$/],
    action: { requeueAfter: STALLED },
    check: (_, turn) => expect(turn.writes[0]?.failureReason).toBe("KMS key is not accessible"),
  },
  {
    name: "stall: Update_Failed, already Stalled for this spec, stays Stalled",
    given: async (w) => {
      await w.inSync();
      w.edit({ Status: "Update_Failed", FailureReason: "bad image", UserSettings: {} });
      w.sagemaker.failNext("UpdateUserProfile", "ValidationException");
      const first = await w.reconcile(); // not stalled for this spec yet: one update is tried
      expect(first.calls.map((c) => c.op)).toEqual([
        "DescribeUserProfile",
        "ListTags",
        "UpdateUserProfile",
        "DescribeDomain",
      ]);
    },
    calls: ["DescribeUserProfile"],
    status: ["Stalled", "Update_Failed", /^bad image$/],
    action: { requeueAfter: STALLED },
  },
  {
    name: "stall: Update_Failed and a new spec: the update is sent at once",
    given: async (w) => {
      await w.inSync();
      w.edit({ Status: "Update_Failed", FailureReason: "bad image", UserSettings: {} });
      w.sagemaker.failNext("UpdateUserProfile", "ValidationException");
      await w.reconcile();
      await w.reconcile();
      w.apply(resource({ userSettings: { executionRole: CONSOLE_ROLE } }));
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating"],
    action: { requeueAfter: POLL },
  },
  {
    name: "stall: Delete_Failed",
    given: async (w) => {
      await w.inSync();
      w.edit({ Status: "Delete_Failed", FailureReason: "EFS in use" });
    },
    calls: ["DescribeUserProfile"],
    status: ["Stalled", "Delete_Failed", /^EFS in use$/],
    action: { requeueAfter: STALLED },
  },
  {
    name: "stall: ValidationException from CreateUserProfile (DescribeDomain: the domain exists)",
    given: (w) => {
      w.apply(resource());
      w.sagemaker.failNext("CreateUserProfile", "ValidationException");
    },
    calls: ["DescribeUserProfile", "CreateUserProfile", "DescribeDomain"],
    events: ["Warning ValidationException"],
    status: ["Stalled", "ValidationException", /ValidationException \(scripted\)/],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
  },
  {
    name: "stall: AccessDeniedException",
    given: (w) => {
      w.apply(resource());
      w.sagemaker.failNext("DescribeUserProfile", "AccessDeniedException", { httpStatus: 403 });
    },
    calls: ["DescribeUserProfile"],
    events: ["Warning AccessDeniedException"],
    status: ["Stalled", "AccessDeniedException"],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
  },
  {
    name: "stall: ResourceLimitExceeded",
    given: (w) => {
      w.apply(resource());
      w.sagemaker.failNext("CreateUserProfile", "ResourceLimitExceeded");
    },
    calls: ["DescribeUserProfile", "CreateUserProfile"],
    events: ["Warning ResourceLimitExceeded"],
    status: ["Stalled", "ResourceLimitExceeded"],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
  },
  {
    name: "vanished between Describe and the update: no status, look again soon",
    given: async (w) => {
      await w.inSync();
      driftedRole(w);
      w.sagemaker.failNext("UpdateUserProfile", "ResourceNotFound");
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile", "DescribeDomain"],
    status: "none",
    action: { requeueAfter: POLL },
  },
  {
    name: "DomainNotFound: CreateUserProfile answers ResourceNotFound and DescribeDomain confirms",
    given: (w) => w.apply(resource({ domainId: MISSING_DOMAIN })),
    calls: ["DescribeUserProfile", "CreateUserProfile", "DescribeDomain"],
    events: ["Warning DomainNotFound"],
    status: ["Stalled", "DomainNotFound", /^domain d-missing00001 does not exist .*retried every 600\.0s/],
    action: { requeueAfter: STALLED },
    finalizer: ["add"],
    check: (w) =>
      expect(w.kube.events.at(-1)?.note).toMatch(/\(CreateUserProfile answered ResourceNotFound: ResourceNotFound/),
  },
  {
    name: "DomainNotFound again: one DescribeDomain, no Describe, no event, the same status",
    given: async (w) => {
      w.apply(resource({ domainId: MISSING_DOMAIN }));
      await w.reconcile();
    },
    calls: ["DescribeDomain"],
    status: "unchanged",
    action: { requeueAfter: STALLED },
  },
  {
    name: "DomainNotFound, then the domain exists: the profile is created",
    given: async (w) => {
      w.apply(resource({ domainId: MISSING_DOMAIN }));
      await w.reconcile();
      w.sagemaker.addDomain(MISSING_DOMAIN);
    },
    calls: ["DescribeDomain", "DescribeUserProfile", "CreateUserProfile"],
    events: ["Normal Created"],
    status: ["Progressing", "Creating"],
    action: { requeueAfter: POLL },
  },
];
