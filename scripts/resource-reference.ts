/**
 * docs/resource-reference.md from the CRD's openAPIV3Schema: one table per object (field, type, required, constraints,
 * description), the printer columns and the status. Called by scripts/generate.ts, so `npm run generate` writes it and
 * `npm run check:generated` fails when it is stale.
 */

type Schema = {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: { rule: string; message?: string }[];
};

interface Crd {
  spec: {
    group: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    scope: string;
    versions: {
      name: string;
      additionalPrinterColumns?: { name: string; type: string; jsonPath: string }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

const code = (s: string) => {
  const ticks = s.includes("`") ? "``" : "`";
  const pad = s.startsWith("`") || s.endsWith("`") ? " " : "";
  return `${ticks}${pad}${s}${pad}${ticks}`;
};
/** A table cell: pipes escaped (also inside code spans, as GitHub tables require), no raw HTML. */
const cell = (s: string) => s.replaceAll("\n", " ").replaceAll("|", "\\|").replaceAll("<", "&lt;");
/** GitHub's heading anchor for a heading that is one code span. */
const anchor = (path: string) => `#${path.toLowerCase().replace(/[^a-z0-9 -]/g, "")}`;

const isObject = (s: Schema) => s.type === "object" && !!s.properties && Object.keys(s.properties).length > 0;

function typeOf(s: Schema, path: string): string {
  if (isObject(s)) return `[object](${anchor(path)})`;
  if (s.type === "array" && s.items) {
    const item = isObject(s.items) ? `[object](${anchor(`${path}[]`)})` : typeOf(s.items, `${path}[]`);
    return `array of ${item}`;
  }
  return s.format ? `${s.type} (${s.format})` : (s.type ?? "any");
}

function constraints(s: Schema): string[] {
  const out: string[] = [];
  const item = s.type === "array" && s.items && !isObject(s.items) ? s.items : undefined;
  for (const [label, x] of [
    ["", s],
    ["items: ", item],
  ] as const) {
    if (!x) continue;
    if (x.enum) out.push(`${label}one of ${x.enum.map((e) => code(String(e))).join(", ")}`);
    if (x.pattern !== undefined) out.push(`${label}pattern ${code(x.pattern)}`);
    if (x.minLength !== undefined && x.minLength === x.maxLength) out.push(`${label}length ${x.minLength}`);
    else {
      if (x.minLength !== undefined) out.push(`${label}minLength ${x.minLength}`);
      if (x.maxLength !== undefined) out.push(`${label}maxLength ${x.maxLength}`);
    }
    if (x.minimum !== undefined) out.push(`${label}minimum ${x.minimum}`);
    if (x.maximum !== undefined) out.push(`${label}maximum ${x.maximum}`);
  }
  if (s.minItems !== undefined) out.push(`minItems ${s.minItems}`);
  if (s.maxItems !== undefined) out.push(`maxItems ${s.maxItems}`);
  const listType = s["x-kubernetes-list-type"];
  if (listType === "set") out.push("unordered, no duplicates");
  if (listType === "map") out.push(`one item per ${(s["x-kubernetes-list-map-keys"] ?? []).map(code).join(", ")}`);
  if (s.minProperties === 1 && s.maxProperties === 1) out.push("exactly one field");
  if (s.default !== undefined) out.push(`default ${code(JSON.stringify(s.default))}`);
  for (const v of s["x-kubernetes-validations"] ?? []) if (v.message) out.push(v.message);
  return out;
}

/** The SageMaker API name of a userSettings field, for fields without a description of their own. */
function sagemakerName(path: string): string | undefined {
  const m = /^spec\.userSettings\.(.+)$/.exec(path);
  if (!m) return undefined;
  const parts = (m[1] as string).split(".").map((p) => p.replace(/\[\]$/, ""));
  return `UserSettings.${parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join(".")}`;
}

function table(
  path: string,
  s: Schema,
  immutable: Map<string, string>,
): { lines: string[]; nested: [string, Schema][] } {
  const required = new Set(s.required ?? []);
  const lines = [
    `### ${code(path)}`,
    "",
    ...(s.description ? [s.description, ""] : []),
    "| field | type | required | constraints | description |",
    "| --- | --- | --- | --- | --- |",
  ];
  const nested: [string, Schema][] = [];
  for (const [name, f] of Object.entries(s.properties ?? {})) {
    const p = `${path}.${name}`;
    const rules = constraints(f);
    const extra = immutable.get(name);
    if (extra) rules.push(extra);
    const smName = sagemakerName(p);
    const description = f.description ?? (smName ? `SageMaker ${code(smName)}` : "");
    lines.push(
      `| ${code(name)} | ${typeOf(f, p)} | ${required.has(name) ? "yes" : ""} | ${cell(rules.join("; "))} | ${cell(description)} |`,
    );
    if (isObject(f)) nested.push([p, f]);
    else if (f.type === "array" && f.items && isObject(f.items)) nested.push([`${p}[]`, f.items]);
  }
  lines.push("");
  return { lines, nested };
}

export function renderResourceReference(crd: Crd): string {
  const { group, names, scope } = crd.spec;
  const version = crd.spec.versions[0];
  if (!version) throw new Error("the CRD has no version");
  const root = version.schema.openAPIV3Schema;
  const spec = root.properties?.spec as Schema;
  const status = root.properties?.status as Schema;
  // Immutability rules on the spec object name their field ("userProfileName is immutable").
  const specRules = new Map<string, string>();
  for (const v of spec["x-kubernetes-validations"] ?? []) {
    const field = /^(\w+) is immutable$/.exec(v.message ?? "")?.[1];
    if (field) specRules.set(field, v.message as string);
  }

  const out = [
    "<!-- Generated by scripts/generate.ts from the CRD. Do not edit; run `npm run generate`. -->",
    "",
    `# ${names.kind} reference`,
    "",
    `\`${group}/${version.name}\`, kind \`${names.kind}\`, plural \`${names.plural}\`${names.shortNames?.length ? `, short name ${names.shortNames.map(code).join(", ")}` : ""}, ${scope.toLowerCase()}. ${root.description ?? ""}`,
    "",
    ...(spec.properties?.userSettings
      ? [
          "Every constraint below is checked by the API server at `kubectl apply` time (and by `validate`); the",
          "`userSettings` constraints come from the SageMaker API model, so a manifest that passes them is a request",
          "SageMaker accepts. Field names are the SageMaker API's with the first letter lower-cased.",
        ]
      : ["Every constraint below is checked by the API server at `kubectl apply` time."]),
    "",
    "## Printer columns",
    "",
    `\`kubectl get ${names.shortNames?.[0] ?? names.plural}\` shows:`,
    "",
    "| column | type | from |",
    "| --- | --- | --- |",
    ...(version.additionalPrinterColumns ?? []).map((c) => `| ${c.name} | ${c.type} | ${cell(code(c.jsonPath))} |`),
    "",
    "## Spec",
    "",
  ];
  const walk = (path: string, s: Schema, rules: Map<string, string>) => {
    const { lines, nested } = table(path, s, rules);
    out.push(...lines);
    for (const [p, n] of nested) walk(p, n, new Map());
  };
  walk("spec", spec, specRules);
  out.push("## Status", "", "Written by the operator through the status subresource; read-only for users.", "");
  walk("status", status, new Map());
  return `${out.join("\n").trimEnd()}\n`;
}
