/** Drift as text for people: conditions, events, logs and the CLI. */
import jsonpatch from "fast-json-patch";

export interface DriftChange {
  /** JSON pointer into the spec, e.g. `/userSettings/jupyterServerAppSettings/defaultResourceSpec/instanceType`. */
  path: string;
  /** Observed value; undefined when SageMaker has none. */
  from: unknown;
  /** Declared value. */
  to: unknown;
}

/** `jupyterServerAppSettings.defaultResourceSpec.instanceType: ml.t3.medium -> ml.t3.large`. */
export function formatChange(c: DriftChange): string {
  return `${dottedPath(c.path)}: ${formatValue(c.from)} -> ${formatValue(c.to)}`;
}

/** A spec pointer as a dotted path below userSettings, list indices in brackets: `customImages[0].imageName`. */
export function dottedPath(pointer: string): string {
  const segments = pointer
    .split("/")
    .slice(1)
    .map((s) => jsonpatch.unescapePathComponent(s));
  if (segments[0] === "userSettings" && segments.length > 1) segments.shift();
  return segments.reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), "");
}

function formatValue(v: unknown): string {
  if (v === undefined || v === null) return "<unset>";
  if (v === "") return '""';
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}
