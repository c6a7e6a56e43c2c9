/**
 * The Helm chart, rendered by the real helm: lint, Kubernetes OpenAPI validation of every manifest for every value set,
 * and what users and security reviewers rely on (hardened pods, least-privilege RBAC, leader election, monitoring wiring,
 * values.schema.json refusing bad values).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { chartDir, FULLNAME, findAll, findOne, helm, NAMESPACE, render, renderError, repoRoot } from "./helm.js";
import { type KubeObject, validateManifest } from "./kube-schema.js";

const REQUIRED = { clusterId: "test-cluster", "aws.region": "eu-west-1" };
const valueSets = readdirSync(join(chartDir, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .map((f) => `ci/${f}`);

// Loose views of the rendered objects: the schema check above has already established their shape.
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, validated against the OpenAPI schemas separately
type Any = any;
const podSpec = (docs: KubeObject[]): Any => (findOne(docs, "Deployment") as Any).spec.template.spec;
const container = (docs: KubeObject[]): Any => podSpec(docs).containers[0];
const args = (docs: KubeObject[]): string[] => container(docs).args;

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Every rule granted to the operator's ServiceAccount, flattened to "namespace|group|resource|verb" strings. */
function operatorGrants(docs: KubeObject[]): string[] {
  const grants: string[] = [];
  for (const binding of docs.filter((d) => d.kind === "RoleBinding" || d.kind === "ClusterRoleBinding") as Any[]) {
    const toOperator = binding.subjects.some(
      (s: Any) => s.kind === "ServiceAccount" && s.name === FULLNAME && s.namespace === NAMESPACE,
    );
    if (!toOperator) continue;
    const scope = binding.kind === "ClusterRoleBinding" ? "*cluster*" : binding.metadata.namespace;
    // A RoleBinding's Role lives in the binding's namespace; a ClusterRole is cluster-scoped.
    const roles = docs.filter(
      (d) =>
        d.kind === binding.roleRef.kind &&
        d.metadata?.name === binding.roleRef.name &&
        (d.kind === "ClusterRole" || d.metadata?.namespace === scope),
    ) as Any[];
    expect(roles, `${binding.kind}/${binding.metadata.name} in ${scope}`).toHaveLength(1);
    const role = roles[0];
    for (const rule of role.rules as Rule[]) {
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs) grants.push(`${scope}|${group}|${resource}|${verb}`);
    }
  }
  return grants.sort();
}

const resourceGrants = (scope: string): string[] => [
  ...["get", "list", "watch", "patch"].map((v) => `${scope}|sagemaker.gitops.io|sagemakeruserprofiles|${v}`),
  `${scope}|sagemaker.gitops.io|sagemakeruserprofiles/status|patch`,
  ...["create", "patch"].map((v) => `${scope}|events.k8s.io|events|${v}`),
];
/** Read-only and cluster-wide in every mode: policies are cluster-scoped and select namespaces by label. */
const policyGrants = [
  ...["list", "watch"].map((v) => `*cluster*|sagemaker.gitops.io|sagemakerprofilepolicies|${v}`),
  ...["list", "watch"].map((v) => `*cluster*||namespaces|${v}`),
  ...["list", "watch"].map((v) => `*cluster*|sagemaker.gitops.io|sagemakeraccounts|${v}`),
  "*cluster*|sagemaker.gitops.io|sagemakeraccounts/status|patch",
];
const leaseGrants = (ns: string): string[] =>
  ["get", "create", "update"].map((v) => `${ns}|coordination.k8s.io|leases|${v}`);

describe("helm lint --strict", () => {
  it.each(["values.yaml", ...valueSets])("passes with %s", (values) => {
    const extra = values === "values.yaml" ? [] : ["--values", join(chartDir, values)];
    const r = helm(["lint", "--strict", chartDir, ...extra]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("0 chart(s) failed");
  });
});

describe("every rendered manifest is valid against the Kubernetes OpenAPI schemas", () => {
  it.each(valueSets)("%s", (values) => {
    const docs = render({ values: [values], includeCrds: true });
    expect(docs.map((d) => d.kind)).toContain("Deployment");
    expect(docs.flatMap(validateManifest)).toEqual([]);
  });

  it("finds a misspelt field and a wrongly typed one (the check can fail)", () => {
    const docs = render({ set: REQUIRED });
    const deployment = findOne(docs, "Deployment") as Any;
    deployment.spec.template.spec.containers[0].securityContxt = {};
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "8080";
    const problems = validateManifest(deployment).join("\n");
    expect(problems).toContain("containers/0/securityContxt: unknown field");
    expect(problems).toContain("containerPort must be integer");
  });
});

describe("the CRDs", () => {
  it("in the chart are byte-for-byte the generated crds/ files, the profile, the policy and the account CRD", () => {
    const names = readdirSync(join(repoRoot, "crds")).sort();
    expect(names).toEqual([
      "sagemaker.gitops.io_sagemakeraccounts.yaml",
      "sagemaker.gitops.io_sagemakerprofilepolicies.yaml",
      "sagemaker.gitops.io_sagemakeruserprofiles.yaml",
    ]);
    expect(readdirSync(join(chartDir, "crds")).sort()).toEqual(names);
    for (const name of names)
      expect(readFileSync(join(chartDir, "crds", name), "utf8")).toBe(
        readFileSync(join(repoRoot, "crds", name), "utf8"),
      );
  });
});

describe("pod hardening", () => {
  it.each(valueSets)("%s: non-root, read-only root, no capabilities, RuntimeDefault seccomp", (values) => {
    const docs = render({ values: [values] });
    const pod = podSpec(docs);
    const c = container(docs);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.securityContext.capabilities.add).toBeUndefined();
    expect(pod.hostNetwork ?? false).toBe(false);
    // The read-only root still has a writable /tmp (the image's HOME).
    expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    expect(pod.volumes).toContainEqual({ name: "tmp", emptyDir: { sizeLimit: "64Mi" } });
  });

  it("runs as the image's numeric USER", () => {
    const user = /^USER (\d+):(\d+)$/m.exec(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));
    expect(user).not.toBeNull();
    const pod = podSpec(render({ set: REQUIRED }));
    expect(pod.securityContext.runAsUser).toBe(Number(user?.[1]));
    expect(pod.securityContext.runAsGroup).toBe(Number(user?.[2]));
  });

  it("has requests and a memory limit, and probes on /healthz and /readyz at the health port", () => {
    const docs = render({ set: REQUIRED });
    const c = container(docs);
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "150Mi" }, limits: { memory: "256Mi" } });
    // V8 is told about the container's memory (it would size its heap from the node's otherwise).
    expect(c.env).toContainEqual({ name: "NODE_OPTIONS", value: "--max-old-space-size=128 --max-semi-space-size=4" });
    // Two glibc arenas instead of one per allocating thread (measured in docs/benchmarks/README.md).
    expect(c.env).toContainEqual({ name: "MALLOC_ARENA_MAX", value: "2" });
    // No node flags by default: the image's entrypoint runs unchanged.
    expect(c.command).toBeUndefined();
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "health" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "health" });
    expect(c.ports).toEqual([
      { name: "metrics", containerPort: 8080, protocol: "TCP" },
      { name: "health", containerPort: 8081, protocol: "TCP" },
    ]);
    expect(args(docs)).toContain("--health-probe-bind-address=:8081");
    expect(args(docs)).toContain("--metrics-bind-address=:8080");
  });

  it("puts nodeArgs on node's command line before the image's CLI, keeping the operator's args", () => {
    const docs = render({ set: { ...REQUIRED, nodeArgs: ["--optimize-for-size"], mallocArenaMax: 0 } });
    const c = container(docs);
    expect(c.command).toEqual(["node", "--optimize-for-size", "dist/cli/main.js"]);
    expect(args(docs)[0]).toBe("run");
    expect((c.env as Any[]).map((e) => e.name)).not.toContain("MALLOC_ARENA_MAX");
  });

  it("gives the pod its namespace and name through the downward API", () => {
    const env = container(render({ set: REQUIRED })).env as Any[];
    expect(env).toContainEqual({ name: "AWS_REGION", value: "eu-west-1" });
    expect(env).toContainEqual({ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
    expect(env).toContainEqual({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
  });
});

describe("RBAC", () => {
  it.each(valueSets)("%s: no wildcard in any rule", (values) => {
    for (const role of render({ values: [values] }).filter(
      (d) => d.kind === "Role" || d.kind === "ClusterRole",
    ) as Any[]) {
      for (const rule of role.rules as Rule[]) {
        const fields = [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames, rule.nonResourceURLs].flat();
        expect(fields, `${role.kind}/${role.metadata.name}`).not.toContain("*");
      }
      expect(role.aggregationRule, `${role.kind}/${role.metadata.name}`).toBeUndefined();
    }
  });

  it("cluster mode: exactly the resource, status, event and policy-reading verbs, cluster-wide; no lease access", () => {
    expect(operatorGrants(render({ set: REQUIRED }))).toEqual([...resourceGrants("*cluster*"), ...policyGrants].sort());
  });

  it("namespaced mode: the same verbs through a Role in each watched namespace; cluster-wide only the policy reader", () => {
    const docs = render({ values: ["ci/namespaced-values.yaml"] });
    expect(operatorGrants(docs)).toEqual(
      [...resourceGrants("team-a"), ...resourceGrants("team-b"), ...policyGrants].sort(),
    );
    expect(findAll(docs, "ClusterRole").map((r) => r.metadata?.name)).toEqual([`${FULLNAME}-policy-reader`]);
    expect(findAll(docs, "ClusterRoleBinding").map((r) => r.metadata?.name)).toEqual([`${FULLNAME}-policy-reader`]);
    expect(args(docs)).toContain("--namespaces=team-a,team-b");
  });

  it("HA: lease get/create/update in the operator's own namespace only", () => {
    const docs = render({ values: ["ci/ha-values.yaml"] });
    expect(operatorGrants(docs)).toEqual(
      [...resourceGrants("*cluster*"), ...policyGrants, ...leaseGrants(NAMESPACE)].sort(),
    );
  });

  it("the aggregated roles for people never reach the operator and can be turned off", () => {
    const docs = render({ set: REQUIRED });
    const aggregated = findAll(docs, "ClusterRole").filter((r) =>
      Object.keys(r.metadata?.labels ?? {}).some((l) => l.startsWith("rbac.authorization.k8s.io/aggregate-to-")),
    );
    expect(aggregated.map((r) => r.metadata?.name).sort()).toEqual([`${FULLNAME}-edit`, `${FULLNAME}-view`]);
    const bound = findAll(docs, "ClusterRoleBinding").map((b) => (b as Any).roleRef.name);
    for (const r of aggregated) expect(bound).not.toContain(r.metadata?.name);
    const off = render({ set: { ...REQUIRED, "rbac.aggregateToDefaultRoles": false } });
    expect(findAll(off, "ClusterRole").map((r) => r.metadata?.name)).toEqual([FULLNAME, `${FULLNAME}-policy-reader`]);
  });

  it("rbac.create=false and an existing ServiceAccount render no RBAC and use that account", () => {
    const docs = render({
      set: { ...REQUIRED, "rbac.create": false, "serviceAccount.create": false, "serviceAccount.name": "mine" },
    });
    expect(docs.filter((d) => /Role/.test(d.kind) || d.kind === "ServiceAccount")).toEqual([]);
    expect(podSpec(docs).serviceAccountName).toBe("mine");
  });
});

describe("leader election", () => {
  const leaseRole = (docs: KubeObject[]) =>
    findAll(docs, "Role").filter((r) => r.metadata?.name?.endsWith("-leader-election"));
  it("is off with one replica by default", () => {
    const docs = render({ set: REQUIRED });
    expect(args(docs).filter((a) => a.startsWith("--leader-elect"))).toEqual([]);
    expect(leaseRole(docs)).toEqual([]);
  });
  it("turns on with more than one replica, even when leaderElection.enabled is false", () => {
    for (const set of [{ replicaCount: 2 }, { replicaCount: 3, "leaderElection.enabled": false }]) {
      const docs = render({ set: { ...REQUIRED, ...set } });
      expect(args(docs)).toContain("--leader-elect");
      expect(args(docs)).toContain(`--leader-election-namespace=${NAMESPACE}`);
      expect(leaseRole(docs)).toHaveLength(1);
    }
  });
  it("turns on with leaderElection.enabled and one replica, with its Lease role in leaderElection.namespace", () => {
    const docs = render({ set: { ...REQUIRED, "leaderElection.enabled": true, "leaderElection.namespace": "leases" } });
    expect(args(docs)).toContain("--leader-elect");
    expect(args(docs)).toContain("--leader-election-namespace=leases");
    expect(leaseRole(docs).map((r) => r.metadata?.namespace)).toEqual(["leases"]);
  });
  const anyLease = (docs: KubeObject[]) =>
    leaseRole(docs).flatMap((r) =>
      ((r as unknown as { rules: Array<{ resourceNames?: string[]; verbs: string[] }> }).rules ?? []).filter(
        (rule) => !rule.resourceNames && rule.verbs.includes("update"),
      ),
    );
  it("grants get and update on any Lease of its namespace only with sharding (shard Lease names are hashes)", () => {
    expect(anyLease(render({ set: { ...REQUIRED, replicaCount: 3 } }))).toEqual([]);
    const docs = render({ set: { ...REQUIRED, replicaCount: 3, "sharding.enabled": true } });
    expect(args(docs)).toContain("--shards");
    expect(anyLease(docs)).toHaveLength(1);
  });
});

describe("image", () => {
  it("defaults to the chart's appVersion", () => {
    const appVersion = (parseYaml(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as { appVersion: string })
      .appVersion;
    expect(container(render({ set: REQUIRED })).image).toBe(
      `ghcr.io/sagemaker-gitops/sagemaker-profile-operator:${appVersion}`,
    );
  });
  it("pins a custom repository by digest, with pull policy and pull secrets", () => {
    const docs = render({ values: ["ci/custom-image-values.yaml"] });
    expect(container(docs).image).toBe(
      "registry.example.com/mirror/sagemaker-profile-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    expect(container(docs).imagePullPolicy).toBe("Always");
    expect(podSpec(docs).imagePullSecrets).toEqual([{ name: "registry-example-com" }]);
  });
});

describe("scheduling and availability", () => {
  it("HA: two replicas, spread, prioritised, and a PDB that keeps one", () => {
    const docs = render({ values: ["ci/ha-values.yaml"] });
    const deployment = findOne(docs, "Deployment") as Any;
    expect(deployment.spec.replicas).toBe(2);
    expect(podSpec(docs).priorityClassName).toBe("system-cluster-critical");
    expect(podSpec(docs).topologySpreadConstraints[0].topologyKey).toBe("topology.kubernetes.io/zone");
    const pdb = findOne(docs, "PodDisruptionBudget") as Any;
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: deployment.spec.selector });
  });
  it("the default PDB never blocks a drain of the single replica", () => {
    expect((findOne(render({ set: REQUIRED }), "PodDisruptionBudget") as Any).spec.maxUnavailable).toBe(1);
  });
  it("passes nodeSelector, tolerations, affinity, pod annotations and labels through", () => {
    const docs = render({ values: ["ci/all-flags-values.yaml"] });
    const pod = podSpec(docs);
    expect(pod.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    expect(pod.tolerations[0].key).toBe("dedicated");
    expect(pod.affinity.nodeAffinity).toBeDefined();
    const meta = (findOne(docs, "Deployment") as Any).spec.template.metadata;
    expect(meta.annotations["example.com/owner"]).toBe("platform");
    expect(meta.labels.team).toBe("platform");
    expect(container(docs).env).toContainEqual({ name: "AWS_STS_REGIONAL_ENDPOINTS", value: "regional" });
  });
  it("the Deployment selector, the Service and the PDB select the pods", () => {
    const docs = render({ set: REQUIRED });
    const deployment = findOne(docs, "Deployment") as Any;
    const podLabels = deployment.spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => podLabels[k] === v) && Object.keys(selector).length > 0;
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(selects((findOne(docs, "Service") as Any).spec.selector)).toBe(true);
    expect(selects((findOne(docs, "PodDisruptionBudget") as Any).spec.selector.matchLabels)).toBe(true);
  });
});

describe("monitoring", () => {
  it("is off by default: no ServiceMonitor, PrometheusRule or dashboard", () => {
    const kinds = render({ set: REQUIRED }).map((d) => d.kind);
    expect(kinds).not.toContain("ServiceMonitor");
    expect(kinds).not.toContain("PrometheusRule");
    expect(kinds).not.toContain("ConfigMap");
  });

  it("the ServiceMonitor scrapes the metrics Service's named port, with job = the chart name", () => {
    const docs = render({ values: ["ci/monitoring-values.yaml"] });
    const sm = findOne(docs, "ServiceMonitor") as Any;
    const svc = findOne(docs, "Service") as Any;
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata.labels[k]).toBe(v);
    expect(sm.spec.namespaceSelector.matchNames).toEqual([svc.metadata.namespace]);
    expect(sm.spec.endpoints[0]).toMatchObject({ port: "metrics", path: "/metrics", interval: "30s" });
    expect(svc.spec.ports[0]).toMatchObject({ name: "metrics", targetPort: "metrics" });
    expect(svc.metadata.labels[sm.spec.jobLabel]).toBe("sagemaker-profile-operator");
    expect(sm.metadata.labels.release).toBe("kube-prometheus-stack");
  });

  it("the PrometheusRule carries monitoring/alerts.yaml, with the extra rule labels and runbook base applied", () => {
    const source = parseYaml(readFileSync(join(repoRoot, "monitoring", "alerts.yaml"), "utf8")) as Any;
    const plain = findOne(
      render({ set: { ...REQUIRED, "metrics.prometheusRule.enabled": true } }),
      "PrometheusRule",
    ) as Any;
    expect(plain.spec.groups).toEqual(source.groups);

    const custom = findOne(
      render({
        values: ["ci/monitoring-values.yaml"],
        set: { "metrics.prometheusRule.runbookBaseUrl": "https://wiki.example.com/runbooks" },
      }),
      "PrometheusRule",
    ) as Any;
    const rules = custom.spec.groups.flatMap((g: Any) => g.rules);
    expect(rules.length).toBe(source.groups.flatMap((g: Any) => g.rules).length);
    for (const rule of rules) {
      expect(rule.labels.team).toBe("platform");
      expect(rule.labels.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations.runbook_url).toBe(`https://wiki.example.com/runbooks#${rule.alert.toLowerCase()}`);
    }
  });

  it("the dashboard ConfigMap holds monitoring/grafana-dashboard.json with the sidecar label", () => {
    const cm = findOne(render({ values: ["ci/monitoring-values.yaml"] }), "ConfigMap") as Any;
    expect(cm.metadata.labels.grafana_dashboard).toBe("1");
    expect(cm.metadata.annotations.grafana_folder).toBe("Operators");
    const dashboard = JSON.parse(readFileSync(join(repoRoot, "monitoring", "grafana-dashboard.json"), "utf8"));
    expect(JSON.parse(cm.data["sagemaker-profile-operator.json"])).toEqual(dashboard);
  });
});

describe("values.schema.json refuses bad values at install", () => {
  it.each([
    [{ logLevel: "verbose" }, "/logLevel"],
    [{ surprise: true }, "additional properties 'surprise' not allowed"],
    [{ aws: { region: "eu-west-1", rps: 0 } }, "/aws/rps"],
    [{ aws: { region: "eu-west-1", bogus: 1 } }, "additional properties 'bogus' not allowed"],
    [{ watchNamespaces: ["Team_A"] }, "/watchNamespaces/0"],
    [{ reconcile: { pollInterval: "ten seconds" } }, "/reconcile/pollInterval"],
    [{ replicaCount: "2" }, "/replicaCount"],
    [{ image: { digest: "latest" } }, "/image/digest"],
    [{ image: { pullPolicy: "Sometimes" } }, "/image/pullPolicy"],
    [{ extraArgs: ["workers=3"] }, "/extraArgs/0"],
    [{ metrics: { port: 70000 } }, "/metrics/port"],
    [{ clusterId: "has spaces" }, "/clusterId"],
    [{ aws: { region: "eu-west-1", accountId: "12345" } }, "/aws/accountId"],
    // Unquoted in YAML, an account id is a number (and one with a leading 0 would lose it).
    [{ aws: { region: "eu-west-1", accountId: 123456789012 } }, "/aws/accountId"],
  ])("%j", (bad, message) => {
    expect(renderError({ set: { clusterId: "c1", aws: { region: "eu-west-1" }, ...bad } })).toContain(message);
  });

  it("requires clusterId and aws.region", () => {
    expect(renderError({ set: { "aws.region": "eu-west-1" } })).toContain("clusterId is required");
    expect(renderError({ set: { clusterId: "c1" } })).toContain("aws.region is required");
  });

  it("renders for a release other than the test one (fullname follows the release name)", () => {
    const r = helm([
      "template",
      "sagemaker-profile-operator",
      chartDir,
      "--set",
      "clusterId=c",
      "--set",
      "aws.region=us-east-1",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("name: sagemaker-profile-operator\n");
  });
});
