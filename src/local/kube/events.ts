/**
 * Core v1 Events and events.k8s.io/v1 Events are two views of one stored object, as in the real server: the
 * operator may write `events.k8s.io/v1` while `kubectl describe` reads core v1 events of the involved object.
 * Objects are stored in the core v1 shape. Pure.
 */
import type { FieldError } from "./errors.js";
import { isObject, type KubeObject } from "./meta.js";

/** events.k8s.io/v1 field → core v1 field. Everything else keeps its name. */
const V1_TO_CORE: Record<string, string> = {
  regarding: "involvedObject",
  note: "message",
  reportingController: "reportingComponent",
  deprecatedSource: "source",
  deprecatedFirstTimestamp: "firstTimestamp",
  deprecatedLastTimestamp: "lastTimestamp",
  deprecatedCount: "count",
};
const CORE_TO_V1: Record<string, string> = Object.fromEntries(Object.entries(V1_TO_CORE).map(([a, b]) => [b, a]));

function rename(obj: KubeObject, map: Record<string, string>, apiVersion: string): KubeObject {
  const out: KubeObject = { metadata: obj.metadata };
  for (const [k, v] of Object.entries(obj)) {
    if (k === "metadata") continue;
    out[map[k] ?? k] = v;
  }
  out.apiVersion = apiVersion;
  out.kind = "Event";
  return out;
}

export const eventV1ToCore = (obj: KubeObject): KubeObject => rename(obj, V1_TO_CORE, "v1");
export const eventCoreToV1 = (obj: KubeObject): KubeObject => rename(obj, CORE_TO_V1, "events.k8s.io/v1");

/** Required fields the real server checks on events.k8s.io/v1 creates. */
export function validateEventV1(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const required = (field: string) => errs.push({ field, reason: "FieldValueRequired", message: "Required value" });
  if (!obj.eventTime) required("eventTime");
  for (const f of ["reportingController", "reportingInstance", "action", "reason"]) {
    const v = obj[f];
    if (typeof v !== "string" || v.length === 0) required(f);
  }
  if (obj.type !== "Normal" && obj.type !== "Warning")
    errs.push({
      field: "type",
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(obj.type ?? "")}: has invalid value: ${String(obj.type ?? "")}`,
    });
  if (typeof obj.note === "string" && obj.note.length > 1024)
    errs.push({ field: "note", reason: "FieldValueTooLong", message: "Too long: may not be more than 1024 bytes" });
  return errs;
}

/** When an event last happened, for the LAST SEEN column. */
export function eventLastSeen(obj: KubeObject): string | undefined {
  const series = isObject(obj.series) ? obj.series : undefined;
  const candidates = [series?.lastObservedTime, obj.lastTimestamp, obj.eventTime, obj.firstTimestamp];
  for (const c of candidates) if (typeof c === "string" && c) return c;
  return obj.metadata.creationTimestamp;
}

/** `kind/name` of the involved object, as `kubectl get events` shows it. */
export function eventObject(obj: KubeObject): string {
  const io = isObject(obj.involvedObject) ? obj.involvedObject : isObject(obj.regarding) ? obj.regarding : {};
  const kind = typeof io.kind === "string" ? io.kind.toLowerCase() : "";
  return `${kind}/${typeof io.name === "string" ? io.name : ""}`;
}
