/**
 * Least privilege, checked against a traced run: the operator runs against the local API server as the chart's
 * ServiceAccount, through create, update, ResourceInUse (repeated events), status and finalizer conflicts, delete, policy
 * and namespace caches, a SageMakerAccount and leader election; the (group, resource, verb) set it used must equal what the chart's RBAC
 * grants it. And with any one of those verbs denied, it says so at error level instead of retrying silently.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { kubeconfigYaml } from "@sagemaker-profile-operator/local-stack/kube/kubeconfig";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig, type RunningOperator, startOperator } from "../../src/operator/index.js";
import { FULLNAME, NAMESPACE, render } from "../chart/helm.js";
import { applyAccount } from "../support/account.js";
import { applyPolicy } from "../support/policy.js";
import { waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

const OPERATOR_USER = `system:serviceaccount:${NAMESPACE}:${FULLNAME}`;
const OPERATOR_TOKEN = "operator-token";
const CRD = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeruserprofiles" };

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, validated against the OpenAPI schemas in chart.test.ts
type Any = any;

/** "group|resource|verb" of every rule bound to the operator's ServiceAccount in the HA render (leases included). */
function grantedByChart(): Set<string> {
  const docs = render({ values: ["ci/ha-values.yaml"] }) as Any[];
  const out = new Set<string>();
  for (const b of docs.filter((d) => d.kind === "RoleBinding" || d.kind === "ClusterRoleBinding")) {
    if (!b.subjects.some((s: Any) => s.kind === "ServiceAccount" && s.name === FULLNAME)) continue;
    const role = docs.find((d) => d.kind === b.roleRef.kind && d.metadata.name === b.roleRef.name);
    for (const r of role.rules)
      for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}|${res}|${v}`);
  }
  return out;
}

/** The resourceNames of the chart's Lease rules for get and update (the HA render). */
function leaseNamesGranted(): Set<string> {
  const docs = render({ values: ["ci/ha-values.yaml"] }) as Any[];
  const role = docs.find((d) => d.kind === "Role" && d.metadata.name === `${FULLNAME}-leader-election`);
  const rules = (role.rules as Any[]).filter((r) => r.resources.includes("leases") && r.verbs.includes("update"));
  return new Set(rules.flatMap((r) => r.resourceNames ?? ["(any)"]));
}

let e2e: E2E | undefined;
let operator: RunningOperator | undefined;
afterEach(async () => {
  await operator?.stop();
  operator = undefined;
  await e2e?.close();
  e2e = undefined;
});

interface Run {
  e2e: E2E;
  logs: Array<Record<string, unknown>>;
}

/** The stack, with the operator authenticating as the chart's ServiceAccount (so its requests are told apart). */
async function start(deny?: { group: string; resource: string; verb: string }): Promise<Run> {
  e2e = await startE2E({ startOperator: false, stack: { kube: { users: { [OPERATOR_TOKEN]: OPERATOR_USER } } } });
  await e2e.stack.ensureNamespaces(["team-a", NAMESPACE]);
  if (deny) e2e.kube.faults.deny({ user: OPERATOR_USER, ...deny });
  const kubeconfig = join(e2e.kube.kubeconfigPath, "..", "operator-kubeconfig");
  writeFileSync(kubeconfig, kubeconfigYaml(e2e.kube.url, OPERATOR_TOKEN), { mode: 0o600 });
  const config = { ...e2e.config, kubeconfig };
  config.leaderElection = {
    ...defaultConfig().leaderElection,
    enabled: true,
    namespace: NAMESPACE,
    leaseDurationMs: 2_000,
    renewDeadlineMs: 1_500,
    retryPeriodMs: 200,
  };
  const logs: Array<Record<string, unknown>> = [];
  const log = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  operator = await startOperator(config, { log });
  return { e2e, logs };
}

const profile = (name: string, instanceType = "ml.t3.medium") => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerUserProfile",
  metadata: { name, namespace: "team-a" },
  spec: {
    domainId: DEMO_DOMAIN,
    userSettings: {
      executionRole: "arn:aws:iam::123456789012:role/team-a",
      jupyterServerAppSettings: { defaultResourceSpec: { instanceType } },
    },
  },
});

/** Everything the operator does in its life: every code path that talks to the API server. */
async function exercise({ e2e }: Run): Promise<void> {
  const api = e2e.stack.kubeConfig.makeApiClient(CustomObjectsApi);
  // A SageMakerAccount (the operator's own identity, marked default): read, checked, its status written.
  await applyAccount(e2e.stack.kubeConfig, "own", {
    accountId: "123456789012",
    regions: ["us-east-1"],
    namespaceSelector: {},
    default: true,
  });
  await applyPolicy(e2e.stack.kubeConfig, "team-a", { namespaces: ["team-a"], domains: [DEMO_DOMAIN] });
  // A conflict on the first finalizer patch and on the first status patch: both re-read the object (get).
  e2e.kube.faults.failNext({ verb: "patch", path: /\/sagemakeruserprofiles\/lp-alice$/, status: 409 });
  e2e.kube.faults.failNext({ verb: "patch", path: /\/sagemakeruserprofiles\/lp-alice\/status$/, status: 409 });
  await api.createNamespacedCustomObject({ ...CRD, namespace: "team-a", body: profile("lp-alice") });
  await waitFor("lp-alice Ready", async () => isReady(await e2e.get("team-a", "lp-alice")), 15_000);
  // ResourceInUse twice: the same Warning twice, so the second is a patch of the Event's series count.
  e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "lp-alice", { inUseFor: { count: 2 } });
  await e2e.patch("team-a", "lp-alice", profile("lp-alice", "ml.t3.large"));
  await waitFor(
    "lp-alice repaired",
    async () => {
      const o = await e2e.get("team-a", "lp-alice");
      return isReady(o) && condition(o, "Ready")?.observedGeneration === o.metadata.generation;
    },
    15_000,
  );
  await e2e.remove("team-a", "lp-alice");
  await waitFor("lp-alice gone", async () => (await e2e.tryGet("team-a", "lp-alice")) === undefined, 15_000);
}

describe("RBAC least privilege", () => {
  it("the chart grants exactly the (group, resource, verb) set the operator uses", async () => {
    const run = await start();
    await exercise(run);
    await new Promise((r) => setTimeout(r, 500)); // a few lease renewals
    await operator?.stop(); // flushes coalesced Events (patch) and releases the lease (update)
    const used = run.e2e.kube.requestLog().filter((r) => r.user === OPERATOR_USER);
    const usedSet = new Set(used.map((r) => `${r.group}|${r.resource}|${r.verb}`));
    const granted = grantedByChart();
    expect([...usedSet].filter((g) => !granted.has(g)).sort(), "used but not granted").toEqual([]);
    expect([...granted].filter((g) => !usedSet.has(g)).sort(), "granted but never used").toEqual([]);
    // Leases only in the operator's own namespace, where the chart's Role is.
    expect(new Set(used.filter((r) => r.resource === "leases").map((r) => r.namespace))).toEqual(new Set([NAMESPACE]));
    // get and update only of the Lease the Role names (create cannot be restricted by name).
    const named = leaseNamesGranted();
    expect(named.size).toBe(1);
    const leases = used.filter((r) => r.resource === "leases" && r.verb !== "create");
    expect(leases.length).toBeGreaterThan(0);
    expect(leases.filter((r) => !named.has(r.name ?? ""))).toEqual([]);
  });

  it.each([
    { group: "sagemaker.gitops.io", resource: "sagemakerprofilepolicies", verb: "list" },
    { group: "", resource: "namespaces", verb: "watch" },
    { group: "sagemaker.gitops.io", resource: "sagemakeruserprofiles", verb: "patch" },
    { group: "sagemaker.gitops.io", resource: "sagemakeruserprofiles/status", verb: "patch" },
    { group: "events.k8s.io", resource: "events", verb: "create" },
    { group: "coordination.k8s.io", resource: "leases", verb: "create" },
  ])("fails loudly without $verb on $resource: an error log line names the missing permission", async (deny) => {
    const run = await start(deny);
    await run.e2e.api.createNamespacedCustomObject({ ...CRD, namespace: "team-a", body: profile("lp-bob") });
    const line = await waitFor(
      `an error line about ${deny.verb} ${deny.resource}`,
      () =>
        run.logs.find(
          (l) =>
            l.level === 50 &&
            String(l.hint ?? "").includes("forbidden by RBAC") &&
            // The API server's words when the client saw the Status body; the watch stream only sees "403 Forbidden",
            // so the watcher names the permission itself.
            (JSON.stringify(l.err).includes(`cannot ${deny.verb} resource \\"${deny.resource}\\"`) ||
              l.permission === `${deny.verb} ${deny.group ? `${deny.resource}.${deny.group}` : deny.resource}`),
        ),
      10_000,
    ).catch((err) => {
      throw new Error(
        `${err}\n${run.logs
          .filter((l) => (l.level as number) >= 40)
          .map((l) => JSON.stringify(l))
          .join("\n")}`,
      );
    });
    expect(line.msg).toMatch(/forbidden/);
  });

  it("without list on policies nothing is reconciled (fail closed) and /readyz says not ready", async () => {
    const run = await start({ group: "sagemaker.gitops.io", resource: "sagemakerprofilepolicies", verb: "list" });
    await run.e2e.api.createNamespacedCustomObject({ ...CRD, namespace: "team-a", body: profile("lp-carol") });
    await waitFor("operator leading", () => operator?.isLeader());
    await new Promise((r) => setTimeout(r, 1_000));
    expect(run.e2e.sagemaker.requests()).toEqual([]);
    const ready = await fetch(`http://127.0.0.1:${operator?.healthPort}/readyz`);
    expect(ready.status).toBe(503);
  });
});
