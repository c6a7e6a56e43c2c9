/**
 * Health as Argo CD and Flux see it, computed from objects the operator really wrote (an end-to-end run against the
 * local servers puts profiles in every state): docs/argocd/health.lua run by a real Lua interpreter with `obj` as Argo
 * CD passes it, and the Flux `healthCheckExprs` of examples/gitops/flux/sync.yaml evaluated by a CEL interpreter.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Environment } from "@marcbachmann/cel-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { PAUSED_ANNOTATION, type SageMakerUserProfile } from "../../src/api/types.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "../e2e/harness.js";
import { waitFor } from "../support/wait.js";
import { luaInterpreters, runHealthScript } from "./lua.js";

const root = join(import.meta.dirname, "..", "..");
const HEALTH_LUA = join(root, "docs", "argocd", "health.lua");
const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-TeamA";

if (luaInterpreters.length === 0)
  console.warn(
    "no Lua interpreter (lua5.1 / lua5.4) found: skipping the Argo CD health check tests. Install one with `apt-get install lua5.4` or set LUA.",
  );

/** Every state a profile can be in, as the operator wrote it (`derived` marks the one edited here). */
const objects: Record<string, SageMakerUserProfile> = {};
let e2e: E2E;

const profile = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerUserProfile",
  metadata: { name, namespace: "team-a", ...(annotations ? { annotations } : {}) },
  spec: { domainId: DEMO_DOMAIN, ...spec },
});
const coords = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeruserprofiles" };
const create = (body: object) => e2e.api.createNamespacedCustomObject({ ...coords, namespace: "team-a", body });
const reason = (name: string, r: string) => async () => {
  const o = await e2e.get("team-a", name);
  return condition(o, "Synced")?.reason === r ? o : undefined;
};

beforeAll(async () => {
  e2e = await startE2E({
    startOperator: false,
    operator: (c) => {
      c.resyncPeriodMs = 300;
    },
  });
  await e2e.stack.ensureNamespaces(["team-a"]);
  // Before the operator runs: a resource as Argo CD first sees it, without status.
  await create(profile("fresh", { userSettings: { executionRole: ROLE } }));
  objects.noStatus = await e2e.get("team-a", "fresh");

  e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, "ann", { userSettings: { ExecutionRole: ROLE } });
  e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, "olga", { userSettings: { ExecutionRole: ROLE } });
  await create(profile("alice", { userSettings: { executionRole: ROLE } }));
  await create(profile("ivan", { userSettings: { executionRole: ROLE } }));
  await create(profile("connie", { userSettings: { executionRole: ROLE } }));
  await create(profile("ann", { userSettings: { executionRole: "arn:aws:iam::123456789012:role/Other" } }));
  await create(profile("paula", { userSettings: { executionRole: ROLE } }, { [PAUSED_ANNOTATION]: "true" }));
  await create(profile("nobody", { managementPolicy: "Observe" }));
  await create(
    profile("olga", {
      managementPolicy: "Observe",
      userSettings: { executionRole: "arn:aws:iam::123456789012:role/Declared" },
    }),
  );
  await e2e.startOperator();

  objects.ready = await waitFor("alice Ready", async () => {
    const o = await e2e.get("team-a", "alice");
    return isReady(o) ? o : undefined;
  });
  objects.alreadyExists = await waitFor("ann AlreadyExists", reason("ann", "AlreadyExists"));
  objects.paused = await waitFor("paula Paused", reason("paula", "Paused"));
  objects.observeDrift = await waitFor("olga DriftDetected", reason("olga", "DriftDetected"));
  objects.observeNotFound = await waitFor("nobody NotFound", reason("nobody", "NotFound"));

  // A busy profile (injected): SageMaker answers ResourceInUse to the update, the operator retries with backoff.
  await waitFor("ivan Ready", async () => isReady(await e2e.get("team-a", "ivan")));
  e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "ivan", { inUseFor: { count: 1_000 } });
  await e2e.patch("team-a", "ivan", { spec: { userSettings: { studioWebPortal: "DISABLED" } } });
  objects.resourceInUse = await waitFor("ivan ResourceInUse", reason("ivan", "ResourceInUse"));

  // Another writer keeps changing connie's role back: after three repairs the operator holds (Contested).
  await waitFor("connie Ready", async () => isReady(await e2e.get("team-a", "connie")));
  const other = "arn:aws:iam::123456789012:role/OtherTool";
  const writer = setInterval(() => {
    if (e2e.describe("connie")?.UserSettings?.ExecutionRole !== other)
      e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "connie", { userSettings: { ExecutionRole: other } });
  }, 100);
  try {
    objects.contested = await waitFor("connie Contested", reason("connie", "Contested"), 20_000);
  } finally {
    clearInterval(writer);
  }

  // A spec change the operator has not seen yet (it is stopped).
  await e2e.operator?.stop();
  await e2e.patch("team-a", "alice", { spec: { userSettings: { studioWebPortal: "DISABLED" } } });
  objects.newGeneration = await e2e.get("team-a", "alice");
  // The pause annotation removed, before the operator looked again.
  const { [PAUSED_ANNOTATION]: _, ...rest } = objects.paused.metadata.annotations ?? {};
  objects.resuming = { ...objects.paused, metadata: { ...objects.paused.metadata, annotations: rest } };
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

/** What each tool should say for each state (Flux: Unknown means no expression holds yet, so it keeps waiting). */
const expected: Record<
  string,
  { argo: string; message: RegExp; flux: "Current" | "InProgress" | "Failed" | "Unknown" }
> = {
  noStatus: { argo: "Progressing", message: /^Waiting for the operator to report status$/, flux: "Unknown" },
  ready: { argo: "Healthy", message: /^InSync: The profile matches the spec$/, flux: "Current" },
  newGeneration: {
    argo: "Progressing",
    message: /^Waiting for the operator to observe generation 2$/,
    flux: "InProgress",
  },
  resourceInUse: {
    argo: "Progressing",
    message: /^ResourceInUse: SageMaker answered ResourceInUse/,
    flux: "InProgress",
  },
  alreadyExists: { argo: "Degraded", message: /^AlreadyExists: .*adoptExisting/, flux: "Failed" },
  paused: { argo: "Suspended", message: /^Paused: annotation sagemaker\.gitops\.io\/paused/, flux: "Current" },
  resuming: { argo: "Progressing", message: /^Resuming/, flux: "Unknown" },
  observeDrift: { argo: "Degraded", message: /^DriftDetected: Observe only; differs: executionRole/, flux: "Failed" },
  observeNotFound: {
    argo: "Degraded",
    message: /^NotFound: profile d-demo00000001\/nobody does not exist$/,
    flux: "Failed",
  },
  contested: {
    argo: "Degraded",
    message: /^Contested: userSettings\.executionRole changed back after 3 repairs/,
    flux: "Failed",
  },
};

describe.skipIf(luaInterpreters.length === 0).each(luaInterpreters)("docs/argocd/health.lua on %s", (lua) => {
  it.each(Object.keys(expected))("%s", (state) => {
    const obj = objects[state];
    expect(obj, `no object for ${state}`).toBeDefined();
    const health = runHealthScript(lua, HEALTH_LUA, obj);
    const want = expected[state];
    expect(health.status).toBe(want?.argo);
    expect(health.message).toMatch(want?.message as RegExp);
  });
});

describe("docs/argocd/argocd-cm.yaml", () => {
  it("installs exactly docs/argocd/health.lua under the SageMakerUserProfile health key", () => {
    const cm = parseYaml(readFileSync(join(root, "docs", "argocd", "argocd-cm.yaml"), "utf8")) as {
      kind: string;
      metadata: { name: string };
      data: Record<string, string>;
    };
    expect(cm.kind).toBe("ConfigMap");
    expect(cm.metadata.name).toBe("argocd-cm");
    expect(Object.keys(cm.data)).toEqual(["resource.customizations.health.sagemaker.gitops.io_SageMakerUserProfile"]);
    expect(Object.values(cm.data)[0]).toBe(readFileSync(HEALTH_LUA, "utf8"));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Flux: the Kustomization's healthCheckExprs, evaluated in Flux's order (inProgress, failed, current; the first true
// one wins; none true, or an error such as a missing status, means Flux keeps waiting).
interface HealthCheckExpr {
  apiVersion: string;
  kind: string;
  inProgress?: string;
  failed?: string;
  current: string;
}
const kustomization = parseAllDocuments(readFileSync(join(root, "examples", "gitops", "flux", "sync.yaml"), "utf8"))
  .map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { healthCheckExprs?: HealthCheckExpr[] } })
  .find((d) => d.kind === "Kustomization" && d.metadata.name === "sagemaker-profiles");
const exprs = kustomization?.spec.healthCheckExprs?.[0];

const cel = new Environment({
  unlistedVariablesAreDyn: true,
  enableOptionalTypes: true,
  homogeneousAggregateLiterals: false,
});
/** As Flux's unstructured objects: integers are CEL ints. */
const toCel = (v: unknown): unknown =>
  typeof v === "number" && Number.isInteger(v)
    ? BigInt(v)
    : Array.isArray(v)
      ? v.map(toCel)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]))
        : v;

function fluxHealth(obj: SageMakerUserProfile): string {
  const vars = toCel(obj) as Record<string, unknown>;
  const steps: [string, string | undefined][] = [
    ["InProgress", exprs?.inProgress],
    ["Failed", exprs?.failed],
    ["Current", exprs?.current],
  ];
  try {
    for (const [status, expr] of steps) if (expr && cel.evaluate(expr, vars) === true) return status;
  } catch {
    return "Unknown";
  }
  return "Unknown";
}

describe("examples/gitops/flux/sync.yaml healthCheckExprs", () => {
  it("targets SageMakerUserProfile with all three expressions", () => {
    expect(exprs).toMatchObject({ apiVersion: "sagemaker.gitops.io/v1alpha1", kind: "SageMakerUserProfile" });
    expect(exprs?.inProgress && exprs.failed && exprs.current).toBeTruthy();
  });
  it.each(Object.keys(expected))("%s", (state) => {
    expect(fluxHealth(objects[state] as SageMakerUserProfile)).toBe(expected[state]?.flux);
  });
});
