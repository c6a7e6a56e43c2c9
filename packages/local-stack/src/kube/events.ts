/**
 * Core v1 Events and events.k8s.io/v1 Events are two views of one stored object, as in the real server: the
 * operator may write `events.k8s.io/v1` while `kubectl describe` reads core v1 events of the involved object.
 * Objects are stored in the core v1 shape. Pure.
 */
import type { FieldError } from "./errors.js";
import { deepEqual, isObject, type JsonObject, type KubeObject, qualifiedNameErrors, utf8Length } from "./meta.js";

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

/** The API an Event write came through: validation differs (`requestGroupVersion` in the event strategy). */
export type EventApi = "v1" | "events.k8s.io/v1";

// Limits of pkg/apis/core/validation/events.go; Go's len() counts bytes, whatever the messages say.
const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

const required = (field: string): FieldError => ({ field, reason: "FieldValueRequired", message: "Required value" });
const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  field,
  reason: "FieldValueInvalid",
  message: `Invalid value: ${typeof value === "number" ? String(value) : (JSON.stringify(value) ?? "null")}: ${detail}`,
});

const text = (v: unknown): string => (typeof v === "string" ? v : "");
/** A metav1.Time / MicroTime left unset (absent or null) is Go's zero time. */
const isSet = (v: unknown): boolean => v !== undefined && v !== null;
const ref = (v: unknown): JsonObject => (isObject(v) ? v : {});

/**
 * Validation of an Event in the stored (core v1, i.e. internal) shape, as kube-apiserver does it: field paths are the
 * internal names (`message`, `involvedObject.namespace`) whichever API the write came through.
 * Source: pkg/apis/core/validation/events.go `ValidateEventCreate`, `ValidateEventUpdate`, `legacyValidateEvent`,
 * `validateV1EventSeries`; pkg/registry/core/event/strategy.go (`Validate`, `ValidateUpdate`).
 */
export function validateEvent(obj: KubeObject, old: KubeObject | undefined, api: EventApi): FieldError[] {
  const errs = legacyValidateEvent(obj, api);
  // Core v1 (and events.k8s.io/v1beta1) writes get only the legacy checks, for backwards compatibility.
  if (api === "v1") return errs;
  if (old) {
    if (!deepEqual(series(obj.series), series(old.series))) errs.push(...validateSeries(obj));
    errs.push(...immutableErrors(obj, old));
    return errs;
  }
  errs.push(...validateSeries(obj));
  if (!isSet(obj.eventTime)) errs.push(required("eventTime"));
  if (obj.type !== "Normal" && obj.type !== "Warning")
    errs.push(invalid("type", "", `has invalid value: ${text(obj.type)}`));
  if (isSet(obj.firstTimestamp)) errs.push(invalid("firstTimestamp", "", "needs to be unset"));
  if (isSet(obj.lastTimestamp)) errs.push(invalid("lastTimestamp", "", "needs to be unset"));
  if (typeof obj.count === "number" && obj.count !== 0) errs.push(invalid("count", "", "needs to be unset"));
  const source = ref(obj.source);
  if (text(source.component) !== "" || text(source.host) !== "") errs.push(invalid("source", "", "needs to be unset"));
  return errs;
}

function legacyValidateEvent(obj: KubeObject, api: EventApi): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = obj.metadata.namespace ?? "";
  const involvedNamespace = text(ref(obj.involvedObject).namespace);
  const mismatch = () => invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace");
  if (!isSet(obj.eventTime)) {
    // An "old" Event: its namespace and the involved object's agree ("default" also for cluster-scoped objects).
    if (involvedNamespace === "" ? namespace !== "" && namespace !== "default" : namespace !== involvedNamespace)
      errs.push(mismatch());
  } else {
    if (involvedNamespace === "" && namespace !== "default" && namespace !== "kube-system") errs.push(mismatch());
    const controllerField = api === "v1" ? "reportingComponent" : "reportingController";
    const controller = text(obj.reportingComponent);
    if (controller === "") errs.push(required(controllerField));
    for (const m of qualifiedNameErrors(controller)) errs.push(invalid(controllerField, controller, m));
    const limited: Array<[string, number]> = [
      ["reportingInstance", REPORTING_INSTANCE_LIMIT],
      ["action", ACTION_LIMIT],
      ["reason", REASON_LIMIT],
    ];
    for (const [field, limit] of limited) {
      const v = text(obj[field]);
      if (v === "") errs.push(required(field));
      if (utf8Length(v) > limit) errs.push(invalid(field, "", `can have at most ${limit} characters`));
    }
    if (utf8Length(text(obj.message)) > NOTE_LIMIT)
      errs.push(invalid("message", "", `can have at most ${NOTE_LIMIT} characters`));
  }
  return errs;
}

/** The series as Go holds it: nil, or a count and a time (zero when unset). */
function series(v: unknown): { count: number; lastObservedTime: number | null } | null {
  if (!isObject(v)) return null;
  return {
    count: typeof v.count === "number" ? v.count : 0,
    lastObservedTime: isSet(v.lastObservedTime) ? microInstant(v.lastObservedTime) : null,
  };
}

function validateSeries(obj: KubeObject): FieldError[] {
  const s = series(obj.series);
  if (!s) return [];
  const errs: FieldError[] = [];
  if (s.count < 2) errs.push(invalid("series.count", "", "should be at least 2"));
  if (s.lastObservedTime === null) errs.push(required("series.lastObservedTime"));
  return errs;
}

/** Microseconds since the epoch of an RFC 3339 time (compared at microsecond precision, as the real server does). */
function microInstant(v: unknown): number {
  if (typeof v !== "string") return Number.NaN;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(.*)$/.exec(v);
  if (!m) return Number.NaN;
  const fraction = (m[2] ?? "").padEnd(6, "0").slice(0, 6);
  return Date.parse(`${m[1]}${m[3]}`) * 1000 + Number(fraction);
}

const REFERENCE_FIELDS = ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"];
/** An ObjectReference / EventSource as Go decodes it: empty strings and absent fields are the same. */
function struct(v: unknown, fields: string[]): JsonObject | null {
  if (!isObject(v)) return null;
  const out: JsonObject = {};
  for (const f of fields) if (text(v[f]) !== "") out[f] = v[f];
  return out;
}

/** `ValidateEventUpdate`: through events.k8s.io/v1 an Event cannot change except its series (and metadata). */
function immutableErrors(obj: KubeObject, old: KubeObject): FieldError[] {
  const time = (v: unknown) => (isSet(v) ? microInstant(v) : null);
  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  const checks: Array<[string, (o: KubeObject) => unknown]> = [
    ["involvedObject", (o) => struct(o.involvedObject, REFERENCE_FIELDS) ?? {}],
    ["reason", (o) => text(o.reason)],
    ["message", (o) => text(o.message)],
    ["source", (o) => struct(o.source, ["component", "host"]) ?? {}],
    ["firstTimestamp", (o) => time(o.firstTimestamp)],
    ["lastTimestamp", (o) => time(o.lastTimestamp)],
    ["count", (o) => num(o.count)],
    ["reason", (o) => text(o.reason)], // checked twice upstream, so a changed reason is two causes
    ["type", (o) => text(o.type)],
    ["eventTime", (o) => time(o.eventTime)],
    ["action", (o) => text(o.action)],
    ["related", (o) => struct(o.related, REFERENCE_FIELDS)],
    ["reportingController", (o) => text(o.reportingComponent)],
    ["reportingInstance", (o) => text(o.reportingInstance)],
  ];
  const errs: FieldError[] = [];
  for (const [field, value] of checks) {
    const now = value(obj);
    if (deepEqual(now, value(old))) continue;
    const core = field === "reportingController" ? "reportingComponent" : field;
    const shown = typeof now === "number" && field !== "count" ? obj[core] : now;
    errs.push(invalid(field, shown ?? null, "field is immutable"));
  }
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
