/**
 * The fields of the built-in kinds the operator writes (Events in both APIs, Leases), from their Go types
 * (k8s.io/api core/v1, events/v1, coordination/v1 types.go). The real server's JSON decoder drops any other field:
 * with a Warning under fieldValidation=Warn, a 400 under Strict (KEP-2885). Pure.
 */
import { isObject } from "./meta.js";

/** A field's sub-fields, or `true` for a value with no fields to check (scalar, time). */
export type FieldTree = { readonly [field: string]: FieldTree | true };

const OBJECT_REFERENCE: FieldTree = {
  kind: true,
  namespace: true,
  name: true,
  uid: true,
  apiVersion: true,
  resourceVersion: true,
  fieldPath: true,
};
const EVENT_SOURCE: FieldTree = { component: true, host: true };
const EVENT_SERIES: FieldTree = { count: true, lastObservedTime: true };
const TYPE_META = { apiVersion: true, kind: true, metadata: true } as const;

export const CORE_EVENT_FIELDS: FieldTree = {
  ...TYPE_META,
  involvedObject: OBJECT_REFERENCE,
  reason: true,
  message: true,
  source: EVENT_SOURCE,
  firstTimestamp: true,
  lastTimestamp: true,
  count: true,
  type: true,
  eventTime: true,
  series: EVENT_SERIES,
  action: true,
  related: OBJECT_REFERENCE,
  reportingComponent: true,
  reportingInstance: true,
};

export const EVENTS_V1_FIELDS: FieldTree = {
  ...TYPE_META,
  eventTime: true,
  series: EVENT_SERIES,
  reportingController: true,
  reportingInstance: true,
  action: true,
  reason: true,
  regarding: OBJECT_REFERENCE,
  related: OBJECT_REFERENCE,
  note: true,
  type: true,
  deprecatedSource: EVENT_SOURCE,
  deprecatedFirstTimestamp: true,
  deprecatedLastTimestamp: true,
  deprecatedCount: true,
};

export const LEASE_FIELDS: FieldTree = {
  ...TYPE_META,
  spec: {
    holderIdentity: true,
    leaseDurationSeconds: true,
    acquireTime: true,
    renewTime: true,
    leaseTransitions: true,
    strategy: true,
    preferredHolder: true,
  },
};

/** Deletes the fields `tree` does not name (metadata is pruned elsewhere); returns their paths, e.g. `spec.foo`. */
export function pruneUnknownFields(obj: Record<string, unknown>, tree: FieldTree, path = ""): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(obj)) {
    const sub = tree[key];
    const at = path ? `${path}.${key}` : key;
    if (sub === undefined) {
      unknown.push(at);
      delete obj[key];
    } else if (sub !== true && isObject(obj[key])) unknown.push(...pruneUnknownFields(obj[key], sub, at));
  }
  return unknown;
}
