/**
 * Deletion cleanup under slow and failing app deletions (issue 14): profiles with apps and a private space are deleted
 * with spec.deletion.cleanup: AppsAndSpaces while SageMaker takes minutes (full size; seconds short) to delete an app,
 * one app of each profile fails to delete once, and the operator is SIGKILLed mid-cleanup. Beyond the runner's
 * invariants (every deleted resource gone, its profile too): each app and space deleted once (twice for the app whose
 * deletion failed), and nothing of the profile that stays (its app, its shared space) deleted.
 */
import { DEMO_DOMAIN } from "@sagemaker-profile-operator/local-stack/stack";
import { stopProcess } from "../support/operator-process.js";
import { applyPolicy } from "../support/policy.js";
import { NAMESPACE } from "./cluster.js";
import { type Scenario, sleep } from "./runner.js";

const waitUntil = async (check: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return false;
};

export const slowAppDeletions: Scenario = {
  name: "cleanup-slow-app-deletions",
  faults:
    "profiles with 2 apps and a private space deleted with cleanup AppsAndSpaces; app deletions take 2 min (short: 2 s), one per profile fails once; the operator is SIGKILLed mid-cleanup",
  resources: { short: 3, full: 10 },
  async run(ctx) {
    const sm = ctx.stack.sagemaker;
    const appDeleteMs = ctx.size === "full" ? 120_000 : 2_000;
    sm.admin.configure({ delays: { appDeleteMs, spaceDeleteMs: 500 } });
    await applyPolicy(ctx.stack.kubeConfig, "chaos-cleanup", {
      namespaces: [NAMESPACE],
      deletionCleanup: "AppsAndSpaces",
    });
    let operator = ctx.operator({});
    const count = this.resources[ctx.size];
    const names = Array.from({ length: count }, (_, i) => `p-${String(i).padStart(3, "0")}`);
    for (const name of names) await ctx.cluster.create(name, { deletion: { cleanup: "AppsAndSpaces" } });
    await waitUntil(() => names.every((n) => sm.store.getProfile(DEMO_DOMAIN, n)?.status === "InService"), 60_000);
    // p-000 stays: its app and shared space are another profile's to everyone being deleted.
    ctx.log("profiles InService");
    const [keeper = "p-000", ...leaving] = names;
    sm.admin.startApp({ domainId: DEMO_DOMAIN, userProfileName: keeper, appType: "JupyterLab", appName: "default" });
    sm.admin.createSpace({
      domainId: DEMO_DOMAIN,
      spaceName: "team",
      ownerUserProfileName: keeper,
      sharingType: "Shared",
    });
    sm.admin.startApp({ domainId: DEMO_DOMAIN, spaceName: "team", appType: "JupyterLab", appName: "default" });
    for (const name of leaving) {
      const own = { domainId: DEMO_DOMAIN, userProfileName: name } as const;
      sm.admin.startApp({ ...own, appType: "JupyterLab", appName: "default" });
      sm.admin.startApp({ ...own, appType: "KernelGateway", appName: "k1", status: "Failed" });
      sm.admin.createSpace({
        domainId: DEMO_DOMAIN,
        spaceName: `${name}-s`,
        ownerUserProfileName: name,
        sharingType: "Private",
      });
      sm.admin.startApp({ domainId: DEMO_DOMAIN, spaceName: `${name}-s`, appType: "CodeEditor", appName: "default" });
      sm.admin.failAppDeletions({ ...own, appType: "JupyterLab", appName: "default" }, 1);
      ctx.tally("app deletions that fail once");
    }
    ctx.tally(`app deletions taking ${appDeleteMs / 1000} s`, leaving.length * 3 + leaving.length);
    const since = Date.now();
    for (const name of leaving) await ctx.cluster.remove(name);
    // Mid-cleanup: once DeleteApp calls were accepted, the operator dies and a new one takes over.
    await waitUntil(() => sm.mutations("DeleteApp").some((m) => m.at >= since), 30_000);
    ctx.log(`first DeleteApp accepted; SIGKILL ${operator.name}`);
    await stopProcess(operator);
    ctx.tally("SIGKILL mid-cleanup");
    operator = ctx.operator({});
    await operator.started;
    const gone = await waitUntil(
      async () => (await ctx.cluster.list()).every((o) => !leaving.includes(o.metadata.name)),
      appDeleteMs * 3 + 60_000,
    );
    ctx.log(`leaving resources gone: ${gone}`);
    if (!gone) ctx.log("not all leaving resources were gone when the scenario ended");

    const deletes = sm.mutations().filter((m) => m.at >= since && (m.op === "DeleteApp" || m.op === "DeleteSpace"));
    const target = (r: Record<string, unknown>) =>
      [r.UserProfileName ?? r.SpaceName, r.AppType, r.AppName].filter((x) => x !== undefined).join("/");
    const per = new Map<string, number>();
    for (const m of deletes) per.set(target(m.request), (per.get(target(m.request)) ?? 0) + 1);
    for (const [t, n] of per) {
      const allowed = t.endsWith("/JupyterLab/default") ? 2 : 1;
      if (n > allowed)
        ctx.violation({ invariant: "cleanup-deletes-once", resource: t, detail: `${n} accepted deletes` });
      if (t.startsWith(`${keeper}/`) || t.startsWith("team"))
        ctx.violation({
          invariant: "cleanup-never-foreign",
          resource: t,
          detail: "deleted, but not the leaving profile's",
        });
    }
    const keeperApps = sm.store.apps(DEMO_DOMAIN).filter((a) => a.userProfileName === keeper || a.spaceName === "team");
    if (
      keeperApps.some((a) => a.status !== "InService") ||
      !sm.store.spaces(DEMO_DOMAIN).some((s) => s.spaceName === "team")
    )
      ctx.violation({
        invariant: "cleanup-never-foreign",
        resource: keeper,
        detail: "the staying profile's app or shared space changed",
      });
  },
};
