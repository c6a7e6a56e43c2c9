/**
 * Just enough PromQL reading to check alert rules and dashboard panels against the metrics the operator exports:
 * the metric names an expression selects, and the label names its selectors match on.
 */
import { OperatorMetrics } from "../../src/metrics/index.js";

/** Labels Prometheus attaches to every scraped series (scrape config, Prometheus Operator) rather than the operator. */
export const TARGET_LABELS = ["job", "instance", "namespace", "pod", "service", "container", "endpoint"];

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
]);

/** Metric names selected by a PromQL expression (functions, aggregations, labels and keywords left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{[^}]*\}|\$\w+/g, " ");
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = bare.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Each `metric{label="..."}` selector of an expression, with the label names it matches on. */
export function selectors(expr: string): { metric: string; labels: string[] }[] {
  const out: { metric: string; labels: string[] }[] = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)) {
    const labels = [...(m[2] ?? "").matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1] as string);
    out.push({ metric: m[1] as string, labels });
  }
  return out;
}

/**
 * Every series name the operator's registry exposes (prom-client's default process metrics included), with its label
 * names; histograms contribute _bucket (with `le`), _sum and _count. Plus Prometheus' own `up`.
 */
export async function exportedSeries(): Promise<Map<string, string[]>> {
  const metrics = new OperatorMetrics();
  const series = new Map<string, string[]>([["up", []]]);
  const described = await metrics.registry.getMetricsAsJSON();
  for (const m of metrics.registry.getMetricsAsArray() as unknown as { name: string; labelNames?: string[] }[]) {
    const type = described.find((d) => d.name === m.name)?.type as string | undefined;
    const labels = [...(m.labelNames ?? [])];
    // Default metrics set some labels only at collect time (e.g. nodejs_gc_duration_seconds{kind}).
    const d = described.find((x) => x.name === m.name);
    for (const v of (d?.values ?? []) as { labels: Record<string, unknown> }[]) {
      for (const l of Object.keys(v.labels)) if (!labels.includes(l) && l !== "le") labels.push(l);
    }
    if (type === "histogram") {
      series.set(`${m.name}_bucket`, [...labels, "le"]);
      series.set(`${m.name}_sum`, labels);
      series.set(`${m.name}_count`, labels);
    } else if (type === "summary") {
      series.set(m.name, [...labels, "quantile"]);
      series.set(`${m.name}_sum`, labels);
      series.set(`${m.name}_count`, labels);
    } else {
      series.set(m.name, labels);
    }
  }
  return series;
}
