/**
 * One benchmark world: a local Kubernetes API server and a SageMaker emulator in their own processes, seeded with N
 * profiles (owned by this cluster, optionally drifted) and N SageMakerUserProfile resources; the operator is started
 * and stopped per phase. Everything is read back over HTTP: the emulator's admin API, the API server's request
 * counters (/_local/stats) and the operator's /metrics.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { pooledKubeConfig } from "@sagemaker-profile-operator/local-stack/kube/pooled-kubeconfig";
import PQueue from "p-queue";
import { parse as parseYaml } from "yaml";
import { GROUP, OWNER_TAG, PLURAL, type SageMakerUserProfile, VERSION } from "../src/api/types.js";
import { type Child, freePort, repoRoot, startCli } from "./processes.js";

export const DOMAIN = "d-bench00000001";
export const NAMESPACE = "bench";
export const CLUSTER_ID = "bench";
const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-Bench";
/** More ResourceInUse answers than any scenario draws: "busy until told otherwise". */
const BUSY_CALLS = 1_000_000;
/** What every resource declares, and what a drifted profile has instead. */
export const DECLARED_INSTANCE = "ml.t3.large";
export const DRIFTED_INSTANCE = "ml.t3.medium";
const AWS_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
};

/** Where seeded resources live: their namespace, and the prefix of their names (profile names are per domain). */
export interface Tenant {
  namespace: string;
  prefix: string;
}
export const BENCH_TENANT: Tenant = { namespace: NAMESPACE, prefix: "user" };

/** The name of a tenant's i-th resource and profile. */
export const nameIn = (tenant: Tenant, i: number) => `${tenant.prefix}-${String(i).padStart(5, "0")}`;
export const profileNameOf = (i: number) => nameIn(BENCH_TENANT, i);

export interface EmulatorLimits {
  /** Mutating calls per second SageMaker allows (R); unset = unlimited. */
  mutatingRps?: number;
  /** All calls per second; unset = unlimited. */
  rps?: number;
  updateDelayMs?: number;
}

export type CallCounts = Record<string, Record<string, number>>;

export interface OperatorSettings {
  /** Extra `run` flags (rates, resync, backoff). */
  flags: string[];
  /** The replica's identity (POD_NAME: its Leases and its assumed-role sessions are named after it). */
  name?: string;
  /** Stdout lines to keep beyond the first 200 (Child.output). */
  keepLines?: RegExp;
}

export interface RunningOperator {
  child: Child;
  metricsUrl: string;
  /** The value of one unlabelled metric (or the sum over its series). */
  metric(name: string): Promise<number>;
}

export class World {
  private constructor(
    readonly kube: Child,
    readonly emulator: Child,
    readonly kubeconfigPath: string,
    private readonly kubeUrl: string,
    readonly sagemakerUrl: string,
    readonly api: CustomObjectsApi,
    private readonly dir: string,
  ) {}

  static async start(limits: EmulatorLimits): Promise<World> {
    const dir = mkdtempSync(join(tmpdir(), "sagemaker-bench-"));
    const kubeconfigPath = join(dir, "kubeconfig");
    const kube = startCli("local-kube", ["local-kube", "--kubeconfig", kubeconfigPath]);
    const emulator = startCli("emulator", [
      "emulator",
      "--domain",
      DOMAIN,
      "--seed",
      "1",
      "--update-delay-ms",
      String(limits.updateDelayMs ?? 200),
      ...(limits.mutatingRps !== undefined ? ["--mutating-rps", String(limits.mutatingRps)] : []),
      ...(limits.rps !== undefined ? ["--rps", String(limits.rps)] : []),
    ]);
    const [, kubeUrl] = (await kube.waitForLine(/^Kubernetes API server listening on (\S+)/)) as string[];
    const [, sagemakerUrl] = (await emulator.waitForLine(/^SageMaker emulator listening on (\S+)/)) as string[];
    const api = pooledKubeConfig(kubeconfigPath).makeApiClient(CustomObjectsApi);
    const world = new World(kube, emulator, kubeconfigPath, kubeUrl as string, sagemakerUrl as string, api, dir);
    await world.createNamespace(NAMESPACE);
    // The operator requires a policy by default: the permissive one for single-team clusters (docs/guardrails.md).
    await world.kubeRequest("POST", `/apis/${GROUP}/${VERSION}/sagemakerprofilepolicies`, {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: "SageMakerProfilePolicy",
      metadata: { name: "all-namespaces" },
      spec: { namespaceSelector: {} },
    });
    return world;
  }

  async createNamespace(name: string): Promise<void> {
    await this.kubeRequest("POST", "/api/v1/namespaces", { metadata: { name } });
  }

  /**
   * N profiles in SageMaker, tagged as this cluster's (as if created by an earlier run whose status was lost), the
   * first `drifted` of them with another instance type than declared; and the N resources declaring them.
   */
  async seed(
    n: number,
    drifted: number,
    onProgress?: (done: number) => void,
    tenant: Tenant = BENCH_TENANT,
  ): Promise<void> {
    const queue = new PQueue({ concurrency: 32 });
    let done = 0;
    for (let i = 0; i < n; i++) {
      const name = nameIn(tenant, i);
      void queue.add(async () => {
        await this.admin("PUT", `profiles/${DOMAIN}/${name}`, {
          userSettings: {
            ExecutionRole: ROLE,
            JupyterServerAppSettings: {
              DefaultResourceSpec: { InstanceType: i < drifted ? DRIFTED_INSTANCE : DECLARED_INSTANCE },
            },
          },
          tags: [{ Key: OWNER_TAG, Value: `${CLUSTER_ID}/${tenant.namespace}/${name}` }],
        });
        await this.api.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: tenant.namespace,
          body: resource(name, DECLARED_INSTANCE, tenant.namespace),
        });
        if (++done % 1000 === 0) onProgress?.(done);
      });
    }
    await queue.onIdle();
  }

  /**
   * Resources `from` .. `from + n - 1` with no profile in SageMaker yet (new users: the operator creates them);
   * `onApplied` hears when the API server accepted each.
   */
  async addResources(from: number, n: number, onApplied?: (name: string, at: number) => void): Promise<void> {
    const queue = new PQueue({ concurrency: 32 });
    for (let i = from; i < from + n; i++)
      void queue.add(async () => {
        await this.api.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: NAMESPACE,
          body: resource(profileNameOf(i), DECLARED_INSTANCE, NAMESPACE),
        });
        onApplied?.(profileNameOf(i), Date.now());
      });
    await queue.onIdle();
  }

  /**
   * `run` from the compiled CLI, leader election off unless the flags turn it (or sharding) on, metrics on a free
   * port; resolves once it serves /metrics.
   */
  async startOperator(settings: OperatorSettings): Promise<RunningOperator> {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const child = startCli(
      "operator",
      [
        "run",
        `--cluster-id=${CLUSTER_ID}`,
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${healthPort}`,
        "--log-level=warn",
        ...settings.flags,
      ],
      {
        ...AWS_ENV,
        ...(settings.name ? { POD_NAME: settings.name, POD_NAMESPACE: "default" } : {}),
        KUBECONFIG: this.kubeconfigPath,
        AWS_ENDPOINT_URL_SAGEMAKER: this.sagemakerUrl,
        // The emulator answers STS on the same port (SageMakerAccount roles).
        AWS_ENDPOINT_URL_STS: this.sagemakerUrl,
        // The chart's glibc arena limit; MALLOC_ARENA_MAX in the environment overrides it (0: glibc's default).
        ...mallocArenaMax(),
        // The chart's V8 settings, so memory is measured as deployed; BENCH_NODE_OPTIONS adds to them (e.g.
        // --heapsnapshot-signal=SIGUSR2 to look into the operator's heap).
        NODE_OPTIONS: `${chartValue("nodeOptions")} ${process.env.BENCH_NODE_OPTIONS ?? ""}`.trim(),
      },
      {
        keep: settings.keepLines,
        // The chart's node command-line flags (V8 flags Node refuses in NODE_OPTIONS), plus BENCH_NODE_ARGS to try others.
        nodeArgs: `${chartValue("nodeArgs")} ${process.env.BENCH_NODE_ARGS ?? ""}`.split(" ").filter(Boolean),
      },
    );
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(metricsUrl).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error("the operator did not serve /metrics within 60 s");
      await sleep(50);
    }
    return {
      child,
      metricsUrl,
      async metric(name: string) {
        const text = await (await fetch(metricsUrl)).text();
        let sum = 0;
        for (const line of text.split("\n"))
          if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(" ").at(-1));
        return sum;
      },
    };
  }

  /** Changes the declared instance type of resource i (a spec edit, as a merged pull request would). */
  async editSpec(i: number, instanceType: string, tenant: Tenant = BENCH_TENANT): Promise<void> {
    await this.api.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: tenant.namespace,
        name: nameIn(tenant, i),
        body: { spec: { userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType } } } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  /** Someone changes profile i in the console. */
  async editOutOfBand(i: number, instanceType: string): Promise<void> {
    await this.admin("POST", `profiles/${DOMAIN}/${profileNameOf(i)}`, {
      userSettings: { JupyterServerAppSettings: { DefaultResourceSpec: { InstanceType: instanceType } } },
    });
  }

  /** While busy, every Update and Delete of profile i answers ResourceInUse (an injected fault). */
  async setBusy(i: number, busy: boolean): Promise<void> {
    await this.admin("POST", `profiles/${DOMAIN}/${profileNameOf(i)}`, { inUseFor: { count: busy ? BUSY_CALLS : 0 } });
  }

  async instanceTypeOf(i: number, tenant: Tenant = BENCH_TENANT): Promise<string | undefined> {
    const p = (await this.admin("GET", `profiles/${DOMAIN}/${nameIn(tenant, i)}/describe`)) as {
      UserSettings?: { JupyterServerAppSettings?: { DefaultResourceSpec?: { InstanceType?: string } } };
    };
    return p.UserSettings?.JupyterServerAppSettings?.DefaultResourceSpec?.InstanceType;
  }

  calls = async () => (await this.admin("GET", "calls")) as CallCounts;
  activity = async () => (await this.admin("GET", "activity")) as Record<string, { first: number; last: number }>;
  mutations = async (op: string) =>
    (await this.admin("GET", `mutations/${op}`)) as Array<{ at: number; request: Record<string, unknown> }>;
  /** Every SageMaker request since the last reset (reads too; the emulator keeps the last 10,000). */
  requests = async () =>
    (await this.admin("GET", "requests")) as Array<{ op: string; at: number; request: Record<string, unknown> }>;
  resetCalls = async () => void (await this.admin("POST", "reset-calls"));
  /** The API server's resource requests since the last kubeStats reset: verb, resource, name. */
  kubeRequests = async () =>
    (await this.kubeRequest("GET", "/_local/requests")) as Array<{ verb: string; resource: string; name?: string }>;
  /** The API server's request counters since the last reset; `reset` reads and zeroes them. */
  kubeStats = async (reset = false) =>
    (await this.kubeRequest(reset ? "DELETE" : "GET", "/_local/stats")) as {
      requests: number;
      writes: number;
      byVerb: Record<string, number>;
    };

  /**
   * Resources with Ready=True at their current generation (one paged LIST: the truth, not the operator's word), in
   * one namespace or (null) in all.
   */
  async countReady(namespace: string | null = NAMESPACE): Promise<{ ready: number; total: number }> {
    let ready = 0;
    let total = 0;
    let token: string | undefined;
    do {
      const query = {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        limit: 2000,
        ...(token ? { _continue: token } : {}),
      };
      const page = (await (namespace === null
        ? this.api.listClusterCustomObject(query)
        : this.api.listNamespacedCustomObject({ ...query, namespace }))) as {
        items: SageMakerUserProfile[];
        metadata?: { continue?: string };
      };
      for (const o of page.items) {
        total++;
        const r = o.status?.conditions?.find((c) => c.type === "Ready");
        if (r?.status === "True" && o.status?.observedGeneration === o.metadata.generation) ready++;
      }
      token = page.metadata?.continue || undefined;
    } while (token);
    return { ready, total };
  }

  async close(): Promise<void> {
    await Promise.all([this.kube.stop(), this.emulator.stop()]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  admin(method: string, path: string, body?: unknown): Promise<unknown> {
    return requestJson("emulator", method, `${this.sagemakerUrl}/_admin/${path}`, body);
  }

  kubeRequest(method: string, path: string, body?: unknown): Promise<unknown> {
    return requestJson("API server", method, `${this.kubeUrl}${path}`, body);
  }
}

/** A JSON request to one of the local servers; a non-2xx answer throws with its body. */
async function requestJson(server: string, method: string, url: string, body?: unknown): Promise<unknown> {
  const r = await fetch(url, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${server} ${method} ${new URL(url).pathname}: ${r.status} ${text}`);
  return JSON.parse(text);
}

function mallocArenaMax(): { MALLOC_ARENA_MAX?: string } {
  const value = process.env.MALLOC_ARENA_MAX ?? chartValue("mallocArenaMax");
  return value && value !== "0" ? { MALLOC_ARENA_MAX: value } : {};
}

/** A value from the chart's values.yaml (`nodeOptions`, `nodeArgs`), as a space-separated string. */
function chartValue(key: "nodeOptions" | "nodeArgs" | "mallocArenaMax"): string {
  const values = parseYaml(readFileSync(join(repoRoot, "charts", "sagemaker-profile-operator", "values.yaml"), "utf8"));
  const value = (values as Record<string, unknown>)[key];
  return Array.isArray(value) ? value.join(" ") : String(value ?? "");
}

export function resource(name: string, instanceType: string, namespace: string): SageMakerUserProfile {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: "SageMakerUserProfile",
    metadata: { name, namespace },
    spec: {
      domainId: DOMAIN,
      userSettings: {
        executionRole: ROLE,
        jupyterServerAppSettings: { defaultResourceSpec: { instanceType } },
      },
    },
  } as SageMakerUserProfile;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Total calls of one outcome ("ok", "ThrottlingException", ...) over all operations, or of one operation. */
export function count(calls: CallCounts, outcome?: string, op?: string): number {
  let n = 0;
  for (const [name, outcomes] of Object.entries(calls)) {
    if (op && name !== op) continue;
    for (const [o, c] of Object.entries(outcomes)) if (!outcome || o === outcome) n += c;
  }
  return n;
}
