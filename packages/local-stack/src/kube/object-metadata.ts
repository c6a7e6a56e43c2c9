/**
 * The system metadata rules of writes: what a create stamps, what an update keeps from the stored object (uid,
 * timestamps, generation, status, finalizers), when generation moves, and which writes change nothing.
 */
import { invalid } from "./errors.js";
import { deepClone, deepEqual, equalExcept, isObject, type KubeObject, timestamp } from "./meta.js";
import { NAMESPACES_KEY, type ResourceDef } from "./resources.js";

const SYSTEM_META = [
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "selfLink",
  "managedFields",
];

/** Keys that a status-subresource write may not change, and that do not count as a spec change for generation. */
const META_AND_STATUS = new Set(["metadata", "status"]);
const META_ONLY = new Set(["metadata"]);

/** A new object's system fields: the client's are dropped, uid, creationTimestamp and generation set. */
export function stampNew(def: ResourceDef, obj: KubeObject): void {
  for (const k of SYSTEM_META) delete obj.metadata[k];
  obj.metadata.uid = crypto.randomUUID();
  obj.metadata.creationTimestamp = timestamp();
  if (def.tracksGeneration) obj.metadata.generation = 1;
  if (def.statusSubresource && def.custom) delete obj.status;
}

/** A write to the status subresource: the stored object with only its status replaced. */
export function statusWrite(oldObj: KubeObject, incoming: KubeObject, managedFieldsDone: boolean): KubeObject {
  const next = deepClone(oldObj);
  if (incoming.status === undefined) delete next.status;
  else next.status = incoming.status;
  if (managedFieldsDone) next.metadata.managedFields = incoming.metadata.managedFields;
  return next;
}

/** A write to the main resource: system fields (and status, with a status subresource) kept from the stored object. */
export function mainWrite(
  def: ResourceDef,
  oldObj: KubeObject,
  incoming: KubeObject,
  managedFieldsDone: boolean,
): KubeObject {
  const next = incoming;
  const meta = next.metadata;
  for (const k of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"]) {
    if (oldObj.metadata[k] === undefined) delete meta[k];
    else meta[k] = oldObj.metadata[k];
  }
  meta.namespace = oldObj.metadata.namespace;
  if (!managedFieldsDone) meta.managedFields = oldObj.metadata.managedFields;
  if (def.statusSubresource) {
    if (oldObj.status === undefined) delete next.status;
    else next.status = oldObj.status;
  }
  if (oldObj.metadata.deletionTimestamp) {
    const before = new Set(oldObj.metadata.finalizers ?? []);
    // ValidateNoNewFinalizers: the set difference, sorted (sets.String.List), printed with Go's %#v.
    const added = [...new Set((meta.finalizers ?? []).filter((f) => !before.has(f)))].sort();
    if (added.length > 0)
      throw invalid(def.kind, def.group, oldObj.metadata.name ?? "", [
        {
          field: "metadata.finalizers",
          reason: "FieldValueForbidden",
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`,
        },
      ]);
  }
  return next;
}

/** Generation moves when anything but metadata (and status, with a status subresource) changed. */
export function bumpGeneration(def: ResourceDef, stored: KubeObject, oldObj: KubeObject): void {
  if (!def.tracksGeneration) return;
  const ignored = def.statusSubresource ? META_AND_STATUS : META_ONLY;
  if (!equalExcept(stored, oldObj, ignored)) stored.metadata.generation = (oldObj.metadata.generation ?? 0) + 1;
}

/** The object as a graceful deletion leaves it while finalizers remain. */
export function markDeleting(def: ResourceDef, o: KubeObject): KubeObject {
  const next = deepClone(o);
  next.metadata.deletionTimestamp = timestamp();
  next.metadata.deletionGracePeriodSeconds = 0;
  // The first graceful deletion changes what controllers must do: bump generation, like the real server.
  if (def.tracksGeneration && (next.metadata.generation ?? 0) > 0)
    next.metadata.generation = (next.metadata.generation ?? 0) + 1;
  if (def.storageKey === NAMESPACES_KEY)
    next.status = { ...(isObject(next.status) ? next.status : {}), phase: "Terminating" };
  return next;
}

/** Equal apart from resourceVersion and managedFields timestamps: such a write is skipped, like the real server does. */
export function unchanged(a: KubeObject, b: KubeObject): boolean {
  const { resourceVersion: _a, managedFields: fa, ...ma } = a.metadata;
  const { resourceVersion: _b, managedFields: fb, ...mb } = b.metadata;
  const untimed = (f: typeof fa) => (f ?? []).map(({ time: _t, ...rest }) => rest);
  return deepEqual(ma, mb) && equalExcept(a, b, META_ONLY) && deepEqual(untimed(fa), untimed(fb));
}
