/**
 * Alerts and dashboard stay true to what the operator exports: every PromQL expression names only metrics and labels of
 * src/metrics/registry.ts (or prom-client's process metrics), every alert has a runbook section in docs/alerts.md, and the
 * chart embeds exactly the files under monitoring/.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { exportedSeries, metricNames, selectors, TARGET_LABELS } from "./promql.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (...p: string[]) => readFileSync(join(root, ...p), "utf8");

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alerts = (parseYaml(read("monitoring", "alerts.yaml")) as { groups: { rules: AlertRule[] }[] }).groups.flatMap(
  (g) => g.rules,
);

interface Panel {
  title?: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
const dashboard = JSON.parse(read("monitoring", "grafana-dashboard.json")) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
};
const dashboardExprs = (): { where: string; expr: string }[] => {
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating.list) {
    if (v.type !== "query" || !v.query) continue;
    const q = typeof v.query === "string" ? v.query : v.query.query;
    // label_values(<selector>, <label>): the selector is PromQL.
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q);
    out.push({ where: `variable $${v.name}`, expr: m ? (m[1] as string) : q });
  }
  return out;
};

let series: Map<string, string[]>;
beforeAll(async () => {
  series = await exportedSeries();
});

/** Problems with one expression: unknown metrics, and selector labels the metric does not have. */
function check(where: string, expr: string): string[] {
  const problems: string[] = [];
  const names = metricNames(expr);
  if (names.length === 0) problems.push(`${where}: selects no metric: ${expr}`);
  for (const name of names) if (!series.has(name)) problems.push(`${where}: unknown metric ${name}`);
  for (const s of selectors(expr)) {
    const known = series.get(s.metric);
    if (!known) continue;
    for (const l of s.labels) {
      if (!known.includes(l) && !TARGET_LABELS.includes(l)) problems.push(`${where}: ${s.metric} has no label ${l}`);
    }
  }
  return problems;
}

describe("PromQL reading (the checks below can fail)", () => {
  it("finds metric names and selector labels, not functions, keywords or label names", () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, operation) (rate(sagemaker_api_call_duration_seconds_bucket{job=~"$job"}[$__rate_interval]))) / on() group_left up offset 5m',
      ).sort(),
    ).toEqual(["sagemaker_api_call_duration_seconds_bucket", "up"]);
    expect(metricNames('absent(up{job=~".*x.*"} == 1)')).toEqual(["up"]);
    expect(check("t", 'sum(rate(sagemaker_api_calls_totl{operation="X"}[5m]))')).toEqual([
      "t: unknown metric sagemaker_api_calls_totl",
    ]);
    expect(check("t", 'sagemaker_api_throttles_total{operaton="X"}')).toEqual([
      "t: sagemaker_api_throttles_total has no label operaton",
    ]);
  });
});

describe("alerts (monitoring/alerts.yaml)", () => {
  it("cover what issue 5 asks for", () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        "SageMakerAPIThrottled",
        "SageMakerProfileOperatorDown",
        "SageMakerProfileOperatorNoLeader",
        "SageMakerProfileReconcileErrors",
        "SageMakerResourceInUseNotConverging",
        "SageMakerUserProfileDriftNotRepaired",
        "SageMakerUserProfileStalled",
      ].sort(),
    );
    expect(alerts.find((a) => a.alert === "SageMakerUserProfileStalled")?.for).toBe("15m");
    expect(alerts.find((a) => a.alert === "SageMakerUserProfileDriftNotRepaired")?.for).toBe("30m");
  });

  it("use only metrics and labels the operator exports", () => {
    expect(alerts.flatMap((a) => check(`alert ${a.alert}`, a.expr))).toEqual([]);
  });

  it("each has a severity, a summary, a description and a runbook section in docs/alerts.md", () => {
    const doc = read("docs", "alerts.md");
    const anchors = new Set(
      [...doc.matchAll(/^##+ (.+)$/gm)].map((m) =>
        (m[1] as string)
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    for (const a of alerts) {
      expect(a.labels?.severity, a.alert).toMatch(/^(warning|critical)$/);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      const url = a.annotations?.runbook_url ?? "";
      expect(url, a.alert).toMatch(/\/docs\/alerts\.md#[a-z0-9-]+$/);
      expect(anchors.has(url.split("#")[1] as string), `${a.alert}: no heading for ${url} in docs/alerts.md`).toBe(
        true,
      );
    }
  });

  it("each is unit-tested in monitoring/alerts.test.yaml, firing and not firing", () => {
    const tests = parseYaml(read("monitoring", "alerts.test.yaml")) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const checks = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const a of alerts) {
      const mine = checks.filter((c) => c.alertname === a.alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${a.alert} never expected to fire`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${a.alert} never expected to stay quiet`,
      ).toBe(true);
    }
  });
});

describe("Grafana dashboard (monitoring/grafana-dashboard.json)", () => {
  it("uses only metrics and labels the operator exports", () => {
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(20);
    expect(exprs.flatMap((e) => check(e.where, e.expr))).toEqual([]);
  });

  it("shows reconciles, errors, queue depth, SageMaker calls/latency/throttles, profiles by status, drift, limiter, concurrency and memory", () => {
    const all = dashboardExprs().flatMap((e) => metricNames(e.expr));
    for (const metric of [
      "controller_runtime_reconcile_total",
      "controller_runtime_reconcile_errors_total",
      "workqueue_depth",
      "sagemaker_api_calls_total",
      "sagemaker_api_call_duration_seconds_bucket",
      "sagemaker_api_throttles_total",
      "sagemaker_user_profiles",
      "sagemaker_user_profiles_drifted",
      "sagemaker_drift_repairs_total",
      "sagemaker_api_rate_limit",
      "sagemaker_api_limiter_waiting",
      "sagemaker_api_calls_in_flight",
      "controller_runtime_active_workers",
      "process_resident_memory_bytes",
    ]) {
      expect(all, metric).toContain(metric);
    }
  });

  it("has a stable uid and a datasource variable, so it imports into any Grafana", () => {
    expect(dashboard.uid).toBe("sagemaker-profile-operator");
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(["datasource", "job", "namespace"]);
  });
});

describe("the chart embeds monitoring/ unchanged", () => {
  it.each(["alerts.yaml", "grafana-dashboard.json"])("charts/sagemaker-profile-operator/files/%s", (file) => {
    expect(
      read("charts", "sagemaker-profile-operator", "files", file),
      `copy it: cp monitoring/${file} charts/sagemaker-profile-operator/files/${file}`,
    ).toBe(read("monitoring", file));
  });
});
