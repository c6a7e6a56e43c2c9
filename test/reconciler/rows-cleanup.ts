/** The table's rows for a delete SageMaker refuses (DeleteBlocked) and for spec.deletion.cleanup. */
import { expect } from "vitest";
import type { DeletionCleanup } from "../../src/api/types.js";
import { DOMAIN, POLL, type Row, resource, STALLED, type World } from "./world.js";

/** alice has 2 apps and a private space with an app; bob has a shared space and an app. */
function studio(w: World): void {
  w.sagemaker.putApp({ UserProfileName: "alice", AppType: "JupyterLab", AppName: "default" });
  w.sagemaker.putApp({
    UserProfileName: "alice",
    AppType: "KernelGateway",
    AppName: "datascience-1",
    Status: "Failed",
  });
  w.sagemaker.putApp({ UserProfileName: "alice", AppType: "JupyterServer", AppName: "old", Status: "Deleted" });
  w.sagemaker.putApp({ UserProfileName: "bob", AppType: "JupyterLab", AppName: "default" });
  w.sagemaker.putSpace({
    DomainId: DOMAIN,
    SpaceName: "alice-space",
    OwnershipSettingsSummary: { OwnerUserProfileName: "alice" },
    SpaceSharingSettingsSummary: { SharingType: "Private" },
  });
  w.sagemaker.putApp({ SpaceName: "alice-space", AppType: "CodeEditor", AppName: "default" });
  w.sagemaker.putSpace({
    DomainId: DOMAIN,
    SpaceName: "team",
    OwnershipSettingsSummary: { OwnerUserProfileName: "bob" },
    SpaceSharingSettingsSummary: { SharingType: "Shared" },
  });
}

async function deleting(w: World, cleanup?: DeletionCleanup, permitted?: DeletionCleanup): Promise<void> {
  await w.inSync(resource(cleanup ? { deletion: { cleanup } } : {}));
  studio(w);
  if (permitted) w.cleanup = { level: permitted, by: ["SageMakerProfilePolicy/cleanup"] };
  w.delete();
}

const LISTS = ["ListApps", "ListSpaces", "ListApps"];
const NAMED =
  /2 apps: JupyterLab\/default \(InService\), KernelGateway\/datascience-1 \(Failed\); 1 private space: alice-space/;
const deletedOps = (w: World) =>
  w.sagemaker.calls.filter((c) => c.op === "DeleteApp" || c.op === "DeleteSpace").map((c) => c.input);

export const rows: Row[] = [
  {
    name: "delete blocked: DeleteBlocked names the profile's apps and owned spaces, counts them in status",
    given: (w) => deleting(w),
    calls: ["DescribeUserProfile", "ListTags", "DeleteUserProfile", ...LISTS],
    events: ["Warning DeleteBlocked"],
    status: ["Progressing", "DeleteBlocked", NAMED],
    action: { requeueAfter: 2_500 },
    check: (w) => {
      expect(w.get()?.status?.deleteBlockedBy).toEqual({ apps: 2, privateSpaces: 1, sharedSpaces: 0 });
      expect(deletedOps(w)).toEqual([]);
    },
  },
  {
    name: "delete blocked again by the same apps and spaces: no new event, a longer backoff",
    given: async (w) => {
      await deleting(w);
      await w.reconcile();
    },
    calls: ["DescribeUserProfile", "ListTags", "DeleteUserProfile", ...LISTS],
    status: ["Progressing", "DeleteBlocked", /attempt 2, retrying in 5\.0s/],
    action: { requeueAfter: 5_000 },
  },
  {
    name: "cleanup not permitted by any policy: Stalled CleanupNotPermitted naming what blocks, nothing deleted",
    given: (w) => deleting(w, "AppsAndSpaces"),
    calls: ["DescribeUserProfile", "ListTags", ...LISTS],
    events: ["Warning CleanupNotPermitted"],
    status: [
      "Stalled",
      "CleanupNotPermitted",
      /no SageMakerProfilePolicy covering namespace team-a sets deletionCleanup/,
    ],
    action: { requeueAfter: STALLED },
    check: (w) => expect(deletedOps(w)).toEqual([]),
  },
  {
    name: "cleanup beyond what the policy permits (AppsAndSpaces where Apps is): Stalled CleanupNotPermitted",
    given: (w) => deleting(w, "AppsAndSpaces", "Apps"),
    calls: ["DescribeUserProfile", "ListTags", ...LISTS],
    events: ["Warning CleanupNotPermitted"],
    status: ["Stalled", "CleanupNotPermitted", /permit at most Apps in namespace team-a/],
    action: { requeueAfter: STALLED },
  },
  {
    name: "cleanup AppsAndSpaces: DeleteApp for the profile's and its private space's apps, never bob's",
    given: (w) => deleting(w, "AppsAndSpaces", "AppsAndSpaces"),
    calls: ["DescribeUserProfile", "ListTags", ...LISTS, "DeleteApp", "DeleteApp", "DeleteApp"],
    events: ["Normal CleanupApp", "Normal CleanupApp", "Normal CleanupApp"],
    status: ["Progressing", "CleaningUp", /3 apps and 1 private space left/],
    action: { requeueAfter: POLL },
    check: (w) => {
      expect(deletedOps(w)).toEqual([
        { domainId: DOMAIN, userProfileName: "alice", appType: "JupyterLab", appName: "default" },
        { domainId: DOMAIN, userProfileName: "alice", appType: "KernelGateway", appName: "datascience-1" },
        { domainId: DOMAIN, spaceName: "alice-space", appType: "CodeEditor", appName: "default" },
      ]);
      expect(w.get()?.status?.cleanup).toEqual({ appsLeft: 3, spacesLeft: 1 });
    },
  },
  {
    name: "cleanup resumed while apps are Deleting: no call is repeated",
    given: async (w) => {
      await deleting(w, "AppsAndSpaces", "AppsAndSpaces");
      await w.reconcile();
    },
    calls: ["DescribeUserProfile", "ListTags", ...LISTS],
    status: [
      "Progressing",
      "CleaningUp",
      /JupyterLab\/default \(Deleting\), KernelGateway\/datascience-1 \(Deleting\)/,
    ],
    action: { requeueAfter: POLL },
  },
  {
    name: "cleanup: the apps are Deleted, the private space goes, the shared space of bob stays",
    given: async (w) => {
      await deleting(w, "AppsAndSpaces", "AppsAndSpaces");
      await w.reconcile();
      w.sagemaker.settleApps();
    },
    calls: ["DescribeUserProfile", "ListTags", ...LISTS, "DeleteSpace"],
    events: ["Normal CleanupSpace"],
    status: ["Progressing", "CleaningUp", /1 private space left/],
    action: { requeueAfter: POLL },
    check: (w) => {
      expect(w.sagemaker.spaces.map((s) => s.SpaceName)).toEqual(["team"]);
      expect(w.get()?.status?.cleanup).toEqual({ appsLeft: 0, spacesLeft: 1 });
    },
  },
  {
    name: "cleanup done: DeleteUserProfile",
    given: async (w) => {
      await deleting(w, "AppsAndSpaces", "AppsAndSpaces");
      await w.reconcile();
      w.sagemaker.settleApps();
      await w.reconcile();
    },
    calls: ["DescribeUserProfile", "ListTags", "ListApps", "ListSpaces", "DeleteUserProfile"],
    events: ["Normal Deleting"],
    status: ["Progressing", "Deleting", /^DeleteUserProfile accepted$/],
    action: { requeueAfter: POLL },
    check: (w) => expect(w.get()?.status?.cleanup).toBeUndefined(),
  },
  {
    name: "cleanup Apps: the apps go, the private space still blocks and is named",
    given: async (w) => {
      await deleting(w, "Apps", "AppsAndSpaces");
      await w.reconcile();
      w.sagemaker.settleApps();
    },
    calls: ["DescribeUserProfile", "ListTags", "ListApps", "ListSpaces", "ListApps", "DeleteUserProfile", ...LISTS],
    events: ["Warning DeleteBlocked"],
    status: [
      "Progressing",
      "DeleteBlocked",
      /1 private space: alice-space \(spec\.deletion\.cleanup: Apps leaves spaces/,
    ],
    action: { requeueAfter: 2_500 },
  },
];
