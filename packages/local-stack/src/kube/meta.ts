/** Small helpers over Kubernetes objects: timestamps, names, deep copy and equality. Pure. */

import { deepEqual, type JsonObject } from "../../../../src/api/schema/json.js";
import type { FieldError } from "./errors.js";

export {
  deepClone,
  deepEqual,
  isObject,
  type JsonObject,
  OBJECT_META_FIELDS,
} from "../../../../src/api/schema/json.js";

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: unknown[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export const timestamp = (date = new Date()): string => `${date.toISOString().slice(0, 19)}Z`;

/** Equal ignoring the listed top-level keys (used for "did the spec change" → generation). */
export function equalExcept(a: JsonObject, b: JsonObject, ignored: ReadonlySet<string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (ignored.has(k)) continue;
    if (!deepEqual(a[k], b[k])) return false;
  }
  return true;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export type NameRule = "subdomain" | "label" | "path";

/** Name validation messages as apimachinery words them. */
export function validateName(name: string, rule: NameRule): string[] {
  if (rule === "path") {
    if (name === "." || name === "..") return [`may not be '${name}'`];
    if (/[/%]/.test(name)) return ["may not contain '/' or '%'"];
    return [];
  }
  if (rule === "label") {
    const errs: string[] = [];
    if (name.length > 63) errs.push("must be no more than 63 characters");
    if (!DNS1123_LABEL.test(name))
      errs.push(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      );
    return errs;
  }
  const errs: string[] = [];
  if (name.length > 253) errs.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(name))
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  return errs;
}

const LABEL_KEY_REGEX_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN_REGEX_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** Length in bytes, as Go's `len(string)` counts it. */
export const utf8Length = (s: string): number => Buffer.byteLength(s, "utf8");

/**
 * What apimachinery calls a qualified name (a label key): an optional DNS subdomain prefix and '/', then a name of at
 * most 63 bytes. The messages of `content.IsLabelKey` (apimachinery v0.35 `pkg/api/validate/content/kube.go`).
 */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  if (parts.length > 2)
    return [
      `a valid label key ${LABEL_KEY_REGEX_MESSAGE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  const name = parts.length === 2 ? (parts[1] as string) : value;
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else {
      if (utf8Length(prefix) > 253) errs.push("prefix part must be no more than 253 bytes");
      if (!DNS1123_SUBDOMAIN.test(prefix)) errs.push(`prefix part ${SUBDOMAIN_REGEX_MESSAGE}`);
    }
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (utf8Length(name) > 63) errs.push("name part must be no more than 63 bytes");
  if (!QUALIFIED_NAME.test(name)) errs.push(`name part ${LABEL_KEY_REGEX_MESSAGE}`);
  return errs;
}

const LABEL_VALUE_REGEX_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** A label value's faults: at most 63 bytes, the label-value pattern (`IsValidLabelValue`). */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > 63) errs.push("must be no more than 63 bytes");
  if (!LABEL_VALUE.test(value)) errs.push(LABEL_VALUE_REGEX_MESSAGE);
  return errs;
}

/** `field.Invalid(field, value, detail)`: the value as JSON (Go's %q of a string, %v of a number). */
export const invalidValue = (field: string, value: unknown, detail: string): FieldError => ({
  field,
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
});

/** Checks what every object's metadata must satisfy (labels, annotations, finalizers): `ValidateObjectMeta`. */
export function validateObjectMeta(meta: ObjectMeta): FieldError[] {
  const out: FieldError[] = [];
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    for (const m of qualifiedNameErrors(key)) out.push(invalidValue("metadata.labels", key, m));
    if (typeof value !== "string") out.push(invalidValue("metadata.labels", value, LABEL_VALUE_REGEX_MESSAGE));
    else for (const m of labelValueErrors(value)) out.push(invalidValue("metadata.labels", value, m));
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    // Annotation keys are qualified names in any case (ValidateAnnotations lowercases them first).
    for (const m of qualifiedNameErrors(key.toLowerCase())) out.push(invalidValue("metadata.annotations", key, m));
    annotationBytes += utf8Length(key) + (typeof value === "string" ? utf8Length(value) : 0);
  }
  if (annotationBytes > 256 * 1024)
    out.push({
      field: "metadata.annotations",
      reason: "FieldValueTooLong",
      message: "Too long: may not be more than 262144 bytes",
    });
  (meta.finalizers ?? []).forEach((f, i) => {
    if (typeof f !== "string" || !f.includes("/")) {
      // Real servers accept a few well-known unqualified finalizers ("kubernetes", "orphan", ...).
      if (typeof f === "string" && ["kubernetes", "orphan", "foregroundDeletion"].includes(f)) return;
      out.push(
        invalidValue(
          `metadata.finalizers[${i}]`,
          f,
          "name is neither a standard finalizer name nor is it fully qualified",
        ),
      );
    }
  });
  return out;
}

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** `metadata.generateName` + 5 random characters, from the same alphabet as the real server. */
export function generateNameSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return s;
}

/** Kubernetes version ordering: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1). */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const stability = m[2] === "alpha" ? 0 : m[2] === "beta" ? 1 : 2;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) {
    for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pb[i] ?? 0) - (pa[i] ?? 0);
    return 0;
  }
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's `duration.HumanDuration`, which the real server uses for the Age column. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    const years = Math.floor(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}
