/**
 * `demo`: the local Kubernetes API server, the SageMaker emulator and the operator in one process, with a guided story:
 * create the examples, repair an edit, ride out ResourceInUse with backoff, revert an out-of-band change on resync, and
 * delete a profile that still has apps and a private space: blocked and named, then cleaned up.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { Command } from "commander";
import { pino } from "pino";
import type { DescribeUserProfileResponse } from "../../../../src/api/generated/sagemaker-shapes.js";
import { GROUP, PLURAL, type SageMakerUserProfile, VERSION } from "../../../../src/api/types.js";
import { Informer, type KubeObject } from "../../../../src/kube/index.js";
import { createLogger } from "../../../../src/operator/log.js";
import { DEMO_DOMAIN, LOCAL_CREDENTIALS, startLocalStack } from "../stack.js";
import { twoAccounts } from "./demo-accounts.js";

const repoRoot = join(fileURLToPath(import.meta.url), "..", "..", "..", "..", "..");

interface DemoFlags {
  once: boolean;
  metricsPort: number;
  resync: number;
}

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint(1);
const dim = paint(2);
const green = paint(32);
const yellow = paint(33);
const red = paint(31);
const cyan = paint(36);
const clock = () => new Date().toISOString().slice(11, 19);
const say = (line: string) => console.log(line);

export function register(program: Command): void {
  program
    .command("demo")
    .description("run the local Kubernetes API server, the SageMaker emulator and the operator, with a guided story")
    .option("--once", "exit when the story is done (for CI and tests)", false)
    .option("--metrics-port <port>", "port of /metrics (0 picks a free one)", (v) => Number(v), 8080)
    .option("--resync <seconds>", "resync period of the operator in the demo", (v) => Number(v), 15)
    .action(async (flags: DemoFlags) => {
      process.exitCode = await runDemo(flags);
    });
}

async function runDemo(flags: DemoFlags): Promise<number> {
  const started = Date.now();
  say(bold("sagemaker-profile-operator demo"));
  // Loaded on use, so other commands do not pay for the operator's imports.
  const { defaultConfig, startOperator } = await import("../../../../src/operator/index.js");
  const stack = await startLocalStack({ sagemaker: { delays: { createMs: 1500, updateMs: 1000, deleteMs: 1000 } } });
  const config = defaultConfig();
  config.kubeconfig = stack.kube.kubeconfigPath;
  config.aws = {
    ...config.aws,
    region: "us-east-1",
    endpoint: stack.sagemaker.url,
    credentials: LOCAL_CREDENTIALS,
    rps: 20,
    burst: 20,
    mutatingRps: 10,
  };
  config.aws.stsEndpoint = stack.sagemaker.url;
  config.accounts = { ...config.accounts, retryMs: 1000 };
  config.pollIntervalMs = 1000;
  config.resyncPeriodMs = flags.resync * 1000;
  config.inUseBackoffBaseMs = 2000;
  config.inUseBackoffMaxMs = 20_000;
  config.clusterId = "demo";
  config.healthProbeBindAddress = "127.0.0.1:0";
  config.metricsBindAddress = `127.0.0.1:${flags.metricsPort}`;
  // The story is the output; the operator's own JSON logs go to stderr at warn and above.
  const log = createLogger({ level: "warn", base: { controller: "sagemakeruserprofile" } }, pino.destination(2));
  const operator = await startOperator(config, { log }).catch(async (err: unknown) => {
    if ((err as { code?: string }).code === "EADDRINUSE" && flags.metricsPort !== 0) {
      config.metricsBindAddress = "127.0.0.1:0";
      return startOperator(config, { log });
    }
    throw err;
  });

  say(`  Kubernetes API  ${stack.kube.url}     ${dim(`export KUBECONFIG=${stack.kube.kubeconfigPath}`)}`);
  say(
    `  SageMaker       ${stack.sagemaker.url}     ${dim(`emulator; domain ${DEMO_DOMAIN}; export AWS_ENDPOINT_URL_SAGEMAKER=${stack.sagemaker.url}`)}`,
  );
  say(`  Metrics         http://127.0.0.1:${operator.metricsPort}/metrics`);
  say(`  kubectl         ${dim(`${join(repoRoot, ".tools", "bin", "kubectl")} get smup -A   (after npm run tools)`)}`);
  say("");

  const watch = new AbortController();
  const profiles = new Informer<SageMakerUserProfile>({
    kubeConfig: stack.kubeConfig,
    resource: { group: GROUP, version: VERSION, plural: PLURAL },
  });
  const lastLine = new Map<string, string>();
  const printProfile = (obj: SageMakerUserProfile) => {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const ready = obj.status?.conditions?.find((c) => c.type === "Ready");
    const shown = obj.status?.conditions?.find((c) => c.status === "True" && c.type !== "Synced") ?? ready;
    if (!shown) return;
    const line = `${shown.type}=${shown.status} ${shown.reason}: ${shown.message}`;
    if (lastLine.get(key) === line) return;
    lastLine.set(key, line);
    const colour = shown.type === "Ready" && shown.status === "True" ? green : shown.type === "Stalled" ? red : yellow;
    say(
      `  ${dim(clock())} ${key.padEnd(14)} ${colour(`${shown.type}=${shown.status}`)} ${shown.reason}  ${dim(truncate(shown.message, 110))}`,
    );
  };
  profiles.subscribe({ onAdd: printProfile, onUpdate: (_old, obj) => printProfile(obj) });
  const events = new Informer<KubeObject>({
    kubeConfig: stack.kubeConfig,
    resource: { group: "events.k8s.io", version: "v1", plural: "events" },
  });
  const seenEvents = new Set<string>();
  /** Events printed per `namespace/name reason`, so a step can wait for the event that tells its story. */
  const printed = new Map<string, number>();
  const printEvent = (e: KubeObject) => {
    const id = `${e.metadata?.name}/${(e as { series?: { count?: number } }).series?.count ?? 1}`;
    if (seenEvents.has(id)) return;
    seenEvents.add(id);
    const regarding = (e as { regarding?: { namespace?: string; name?: string } }).regarding;
    const about = `${regarding?.namespace}/${regarding?.name} ${(e as { reason?: string }).reason}`;
    printed.set(about, (printed.get(about) ?? 0) + 1);
    const type = (e as { type?: string }).type;
    say(
      `  ${dim(clock())} ${`${regarding?.namespace}/${regarding?.name}`.padEnd(14)} ${cyan("event")} ${type === "Warning" ? yellow(String((e as { reason?: string }).reason)) : String((e as { reason?: string }).reason)}  ${truncate(String((e as { note?: string }).note), 110)}`,
    );
  };
  events.subscribe({ onAdd: printEvent, onUpdate: (_o, e) => printEvent(e) });
  const runs = [profiles.start(watch.signal), events.start(watch.signal)];
  await Promise.all([profiles.ready(), events.ready()]);

  const api = stack.kubeConfig.makeApiClient(CustomObjectsApi);
  const patch = (namespace: string, name: string, body: object) =>
    api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  const waitFor = async (what: string, ok: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const isReady = (key: string, gen?: number) => {
    const o = profiles.get(key);
    const ready = o?.status?.conditions?.find((c) => c.type === "Ready");
    return ready?.status === "True" && (gen === undefined || (o?.status?.observedGeneration ?? 0) >= gen);
  };
  const sm = stack.sagemaker;
  const describe = (name: string) =>
    sm.store.describeProfile(DEMO_DOMAIN, name) as DescribeUserProfileResponse | undefined;
  let failed = false;
  try {
    say(
      bold(
        "[1/6] kubectl apply -f examples/policies/ -f examples/  (a policy, five profiles; SageMaker takes 1.5 s to create each)",
      ),
    );
    // The operator refuses the profiles of a namespace no policy covers (--require-policy): the policy comes first.
    await stack.apply([join(repoRoot, "examples", "policies")]);
    const applied = await stack.apply([join(repoRoot, "examples")]);
    const keys = applied.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);
    await waitFor("all profiles Ready", () => keys.every((k) => isReady(k)), 60_000);
    say(green(`  all ${keys.length} profiles Ready after ${((Date.now() - started) / 1000).toFixed(1)} s`));
    say("");

    say(bold("[2/6] Edit team-a/alice: jupyterServerAppSettings.defaultResourceSpec.instanceType -> ml.t3.large"));
    const edited = await patch("team-a", "alice", {
      spec: { userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } } } },
    });
    const gen = (edited as SageMakerUserProfile).metadata.generation;
    await waitFor("alice repaired", () => isReady("team-a/alice", gen), 30_000);
    const alice = describe("alice");
    say(
      green(
        `  SageMaker now has instanceType ${alice?.UserSettings?.JupyterServerAppSettings?.DefaultResourceSpec?.InstanceType}; one UpdateUserProfile carried only JupyterServerAppSettings`,
      ),
    );
    say("");

    say(bold("[3/6] team-a/bob is busy: SageMaker answers ResourceInUse to the next 3 updates"));
    sm.admin.setProfile(DEMO_DOMAIN, "bob", { inUseFor: { count: 3 } });
    const bob = await patch("team-a", "bob", {
      spec: { userSettings: { kernelGatewayAppSettings: { defaultResourceSpec: { instanceType: "ml.m5.xlarge" } } } },
    });
    await waitFor(
      "bob repaired after ResourceInUse",
      () => isReady("team-a/bob", (bob as SageMakerUserProfile).metadata.generation),
      90_000,
    );
    say(green("  converged after the ResourceInUse answers; the worker was free for other profiles while bob waited"));
    say("");

    say(bold(`[4/6] Someone changes carol's profile in the console (out of band): executionRole -> ConsoleEdit`));
    const before = sm.calls().UpdateUserProfile?.ok ?? 0;
    const updatedEvents = printed.get("team-b/carol Updated") ?? 0;
    sm.admin.setProfile(DEMO_DOMAIN, "carol", {
      userSettings: { ExecutionRole: "arn:aws:iam::123456789012:role/ConsoleEdit" },
    });
    say(dim(`  the operator finds it on its next resync (every ${flags.resync} s) ...`));
    await waitFor(
      "carol reverted",
      () =>
        (sm.calls().UpdateUserProfile?.ok ?? 0) > before &&
        describe("carol")?.UserSettings?.ExecutionRole !== "arn:aws:iam::123456789012:role/ConsoleEdit",
      flags.resync * 1000 * 2 + 30_000,
    );
    await waitFor("carol Ready", () => isReady("team-b/carol"), 30_000);
    // The Event is written asynchronously; the story is told once it has arrived.
    await waitFor("carol's Updated event", () => (printed.get("team-b/carol Updated") ?? 0) > updatedEvents, 10_000);
    say(green(`  reverted to ${describe("carol")?.UserSettings?.ExecutionRole}`));
    say("");

    await deleteWithApps({ stack, profiles, patch, waitFor, examples: join(repoRoot, "examples", "deletion-cleanup") });
    say("");
    await twoAccounts({ stack, api, say, waitFor, isReady: (key) => isReady(key) });
    say("");
    const calls = sm.calls();
    const total = Object.values(calls).reduce(
      (n, byOutcome) => n + Object.values(byOutcome).reduce((a, b) => a + b, 0),
      0,
    );
    say(bold(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; ${total} SageMaker calls in all:`));
    say(
      `  ${Object.entries(calls)
        .map(([op, o]) => `${op} ${JSON.stringify(o)}`)
        .join("\n  ")}`,
    );
  } catch (err) {
    failed = true;
    say(red(`demo failed: ${(err as Error).message}`));
  }

  if (!flags.once && !failed) {
    say("");
    say(`The stack keeps running. Try:`);
    say(`  export KUBECONFIG=${stack.kube.kubeconfigPath}`);
    say(`  ${join(repoRoot, ".tools", "bin", "kubectl")} get smup -A`);
    say(`  curl -s http://127.0.0.1:${operator.metricsPort}/metrics | grep ^sagemaker_`);
    say(dim("Ctrl-C stops everything."));
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
  }
  say(dim("stopping ..."));
  watch.abort();
  await operator.stop();
  await Promise.all(runs);
  await stack.close();
  say(dim("stopped"));
  return failed ? 1 : 0;
}

/** Step 5: a leaving user's profile with apps and a private space is deleted; blocked and named, then cleaned up. */
async function deleteWithApps(o: {
  stack: Awaited<ReturnType<typeof startLocalStack>>;
  profiles: Informer<SageMakerUserProfile>;
  patch: (namespace: string, name: string, body: object) => Promise<unknown>;
  waitFor: (what: string, ok: () => boolean, timeoutMs: number) => Promise<void>;
  examples: string;
}): Promise<void> {
  const { stack, profiles, patch, waitFor } = o;
  const sm = stack.sagemaker;
  say(bold("[5/6] team-c/dana leaves: her profile still has 2 apps and a private space (apps take 2 s to delete)"));
  sm.admin.configure({ delays: { appDeleteMs: 2000, spaceDeleteMs: 500 } });
  await stack.apply([o.examples]);
  await waitFor("dana Ready", () => condition(profiles.get("team-c/dana"), "Ready")?.status === "True", 30_000);
  const dana = { domainId: DEMO_DOMAIN, userProfileName: "dana" } as const;
  sm.admin.startApp({ ...dana, appType: "JupyterLab", appName: "default" });
  sm.admin.startApp({ ...dana, appType: "KernelGateway", appName: "datascience-1", status: "Failed" });
  sm.admin.createSpace({
    domainId: DEMO_DOMAIN,
    spaceName: "dana-space",
    ownerUserProfileName: "dana",
    sharingType: "Private",
  });
  sm.admin.startApp({ domainId: DEMO_DOMAIN, spaceName: "dana-space", appType: "CodeEditor", appName: "default" });
  await stack.kubeConfig.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: "team-c",
    name: "dana",
  });
  say(dim("  kubectl delete smup dana -n team-c"));
  await waitFor(
    "dana DeleteBlocked",
    () => condition(profiles.get("team-c/dana"), "Synced")?.reason === "DeleteBlocked",
    30_000,
  );
  const blocked = condition(profiles.get("team-c/dana"), "Synced")?.message ?? "";
  say(yellow(`  SageMaker refuses the delete; the operator names why: ${blocked.replace(/ \(delete them.*$/, "")}`));
  say(bold('  kubectl patch smup dana -n team-c -p \'{"spec":{"deletion":{"cleanup":"AppsAndSpaces"}}}\''));
  say(dim("  (the SageMakerProfilePolicy team-c-deletion-cleanup permits AppsAndSpaces in team-c)"));
  await patch("team-c", "dana", { spec: { deletion: { cleanup: "AppsAndSpaces" } } });
  await waitFor("dana gone", () => profiles.get("team-c/dana") === undefined, 60_000);
  const deleted = sm.mutations().filter((m) => m.op === "DeleteApp" || m.op === "DeleteSpace").length;
  say(
    green(
      `  ${deleted} DeleteApp/DeleteSpace calls (apps, then the private space), then DeleteUserProfile; the finalizer is gone`,
    ),
  );
}

const condition = (obj: SageMakerUserProfile | undefined, type: string) =>
  obj?.status?.conditions?.find((c) => c.type === type);

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
