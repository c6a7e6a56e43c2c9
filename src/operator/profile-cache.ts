/**
 * What the informer keeps of a SageMakerUserProfile: only what the reconciler, the controller's update filter and the
 * event recorder read (as controller-runtime's default transform drops managedFields; client-go `SetTransform`). At
 * 10,000 resources every byte per object is 10 KB of heap: metadata.managedFields, ownerReferences, creationTimestamp
 * and kubectl's last-applied copy go; labels and the other annotations stay (changing one re-enqueues the resource,
 * the usual way to poke an operator), and the strings most objects share (condition types, reasons and messages, the
 * finalizer, the domain, the spec's short values) are kept once instead of once per object, as JSON.parse leaves them.
 * So are the short lists most objects share (finalizers, managed tag keys, drifted fields; frozen, as the cache is
 * read-only) and an empty drift, and one object's equal timestamps and names: a heap snapshot at 10,000 converged
 * resources held 5 copies of the same time per object, and a spec, a finalizer list and an empty drift each. Given
 * the version it replaces, a new version keeps that one's uid, ARN and owner strings when they did not change, so the
 * parts that hold them (the ownership memory's ARN) share one copy instead of keeping an older version's.
 */
import type { Condition, SageMakerUserProfile } from "../api/types.js";
import { API_VERSION, KIND } from "../api/types.js";
import { INTERN_MAX_LENGTH, intern, internTable, LAST_APPLIED_ANNOTATION } from "../kube/index.js";

/** Spec values shared by many profiles (a team's role, instance types, security groups), apart from `intern`'s table. */
const internSpecValue = internTable();
/** Spec fields that name one user: never shared, so they are not interned. */
const UNIQUE_SPEC_FIELDS = new Set(["userProfileName", "singleSignOnUserValue", "singleSignOnUserIdentifier"]);

const LISTS_MAX = 1_024;
const lists = new Map<string, readonly string[]>();
const EMPTY: readonly string[] = Object.freeze([]);
const NO_DRIFT = Object.freeze({ count: 0, fields: EMPTY });

export function profileCacheTransform(
  obj: SageMakerUserProfile,
  old?: SageMakerUserProfile,
  /** The profile's ARN as the reconciler's ownership memory holds it (its first status write brings it here). */
  rememberedArn?: string,
): SageMakerUserProfile {
  const m = obj.metadata;
  const uid = old !== undefined && old.metadata.uid === m.uid ? old.metadata.uid : m.uid;
  const annotations = withoutLastApplied(m.annotations);
  // Built whole where it can be: a property added to an object literal goes to a separate backing store (40 bytes).
  const metadata: SageMakerUserProfile["metadata"] =
    m.finalizers !== undefined && m.deletionTimestamp === undefined && m.labels === undefined && !annotations
      ? {
          name: m.name,
          namespace: intern(m.namespace),
          uid,
          resourceVersion: m.resourceVersion,
          generation: m.generation,
          finalizers: sharedList(m.finalizers),
        }
      : {
          name: m.name,
          namespace: intern(m.namespace),
          uid,
          resourceVersion: m.resourceVersion,
          generation: m.generation,
        };
  if (metadata.finalizers === undefined) {
    if (m.deletionTimestamp !== undefined) metadata.deletionTimestamp = m.deletionTimestamp;
    if (m.finalizers !== undefined) metadata.finalizers = sharedList(m.finalizers);
    if (m.labels !== undefined) metadata.labels = m.labels;
    if (annotations) metadata.annotations = annotations;
  }
  const spec = obj.spec;
  spec.domainId = intern(spec.domainId);
  internSpecValues(spec as unknown as Record<string, unknown>);
  if (!obj.status) return { apiVersion: API_VERSION, kind: KIND, metadata, spec };
  const status = obj.status;
  status.profileStatus = intern(status.profileStatus);
  // The strings the last version had: others keep them (the ownership memory its ARN), so there is one copy.
  const was = old?.status;
  if (was !== undefined)
    for (const k of KEPT_STATUS_STRINGS) if (status[k] !== undefined && status[k] === was[k]) status[k] = was[k];
  if (status.userProfileArn !== undefined && status.userProfileArn === rememberedArn)
    status.userProfileArn = rememberedArn;
  if (status.userProfileName === m.name) status.userProfileName = m.name;
  // Conditions written together carry the same time: one string for all of them (and lastSyncTime).
  let time = status.lastSyncTime;
  for (const c of status.conditions ?? []) {
    c.type = intern(c.type);
    c.status = intern(c.status);
    c.reason = intern(c.reason);
    c.message = intern(c.message);
    if (c.lastTransitionTime === time) c.lastTransitionTime = time as string;
    else time = c.lastTransitionTime;
  }
  if (status.conditions !== undefined) {
    status.conditions = sharedConditions(status.conditions);
    const first = status.conditions[0]?.lastTransitionTime;
    if (status.lastSyncTime === first) status.lastSyncTime = first;
  }
  if (status.managedTagKeys !== undefined) status.managedTagKeys = sharedList(status.managedTagKeys);
  const drift = status.drift;
  if (drift !== undefined) {
    if (drift.count === 0 && drift.fields.length === 0 && drift.detectedTime === undefined)
      status.drift = NO_DRIFT as typeof drift;
    else drift.fields = sharedList(drift.fields);
  }
  return { apiVersion: API_VERSION, kind: KIND, metadata, spec, status };
}

/**
 * Conditions are alike in many resources when written with the same outcome in the same second (a start-up, a mass
 * repair: 50 a second at R = 50): one frozen copy of each condition and of each list of them, in bounded tables that
 * start over when full (what the cache holds stays shared). A condition with fields this code does not know is kept
 * as it is.
 */
const conditionTable = new Map<string, { condition: Condition; id: number }>();
const conditionListTable = new Map<string, readonly Condition[]>();
const CONDITIONS_MAX = 1_024;
const CONDITION_FIELDS = new Set(["type", "status", "reason", "message", "lastTransitionTime", "observedGeneration"]);
let conditionIds = 0;

function sharedConditions(list: Condition[]): Condition[] {
  const out: Condition[] = [];
  // The list's key is its conditions' ids: short, where the conditions' own keys are about 100 characters each.
  let listKey = "";
  for (const c of list) {
    for (const field in c) if (!CONDITION_FIELDS.has(field)) return list;
    const key = [c.type, c.status, c.reason, c.message, c.lastTransitionTime, c.observedGeneration].join("\u0000");
    let known = conditionTable.get(key);
    if (known === undefined) {
      if (conditionTable.size >= CONDITIONS_MAX) {
        // Starting over: ids of the cleared entries must not name new ones.
        conditionTable.clear();
        conditionListTable.clear();
      }
      known = { condition: Object.freeze(c), id: conditionIds++ };
      conditionTable.set(key, known);
    }
    out.push(known.condition);
    listKey += `${known.id},`;
  }
  let shared = conditionListTable.get(listKey);
  if (shared === undefined) {
    if (conditionListTable.size >= CONDITIONS_MAX) conditionListTable.clear();
    shared = Object.freeze(out);
    conditionListTable.set(listKey, shared);
  }
  return shared as Condition[];
}

/** Status strings unique to one profile that stay the same across its versions. */
const KEPT_STATUS_STRINGS = ["userProfileArn", "ownedBy", "homeEfsFileSystemUid"] as const;

/** One frozen copy of a short list of short strings many objects hold; others as they are. */
function sharedList(list: string[]): string[] {
  if (list.length === 0) return EMPTY as string[];
  let key = "";
  for (const s of list) {
    if (typeof s !== "string" || s.length > INTERN_MAX_LENGTH || list.length > 8) return list.map(intern);
    key += `${s}\u0000`;
  }
  const known = lists.get(key);
  if (known !== undefined) return known as string[];
  const shared = Object.freeze(list.map(intern));
  if (lists.size < LISTS_MAX) lists.set(key, shared);
  return shared as string[];
}

/** Replaces the spec's short string values by one shared copy each, in place (the object is the cache's own). */
function internSpecValues(node: Record<string, unknown> | unknown[]): void {
  const keys = Array.isArray(node) ? node.keys() : Object.keys(node);
  for (const k of keys) {
    const v = (node as Record<string | number, unknown>)[k];
    if (typeof v === "string") {
      if (!UNIQUE_SPEC_FIELDS.has(k as string)) (node as Record<string | number, unknown>)[k] = internSpecValue(v);
    } else if (v !== null && typeof v === "object") internSpecValues(v as Record<string, unknown>);
  }
}

function withoutLastApplied(all: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!all || all[LAST_APPLIED_ANNOTATION] === undefined) return all;
  const { [LAST_APPLIED_ANNOTATION]: _copy, ...rest } = all;
  return Object.keys(rest).length > 0 ? rest : undefined;
}
