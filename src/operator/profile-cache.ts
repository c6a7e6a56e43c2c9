/**
 * What the informer keeps of a SageMakerUserProfile: only what the reconciler, the controller's update filter and the
 * event recorder read (as controller-runtime's default transform drops managedFields; client-go `SetTransform`). At
 * 10,000 resources every byte per object is 10 KB of heap: metadata.managedFields, ownerReferences, creationTimestamp
 * and kubectl's last-applied copy go; labels and the other annotations stay (changing one re-enqueues the resource,
 * the usual way to poke an operator), and the strings most objects share (condition types, reasons and messages, the
 * finalizer, the domain) are kept once instead of once per object, as JSON.parse leaves them.
 */
import type { SageMakerUserProfile } from "../api/types.js";
import { API_VERSION, KIND } from "../api/types.js";
import { LAST_APPLIED_ANNOTATION } from "../kube/index.js";

/** Strings longer than this are rarely shared (ARNs, names): not interned. */
const INTERN_MAX_LENGTH = 120;
/** A bound on the intern table, so hostile or very varied values cannot grow it without end. */
const INTERN_MAX_ENTRIES = 4_096;

const interned = new Map<string, string>();

/** One copy of a short string that many cached objects hold. */
export function intern<T extends string | undefined>(s: T): T {
  if (s === undefined || s.length > INTERN_MAX_LENGTH) return s;
  const known = interned.get(s);
  if (known !== undefined) return known as T;
  if (interned.size < INTERN_MAX_ENTRIES) interned.set(s, s);
  return s;
}

export function profileCacheTransform(obj: SageMakerUserProfile): SageMakerUserProfile {
  const m = obj.metadata;
  const metadata: SageMakerUserProfile["metadata"] = {
    name: m.name,
    namespace: intern(m.namespace),
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
  };
  if (m.deletionTimestamp !== undefined) metadata.deletionTimestamp = m.deletionTimestamp;
  if (m.finalizers !== undefined) metadata.finalizers = m.finalizers.map(intern);
  if (m.labels !== undefined) metadata.labels = m.labels;
  const annotations = withoutLastApplied(m.annotations);
  if (annotations) metadata.annotations = annotations;
  const out: SageMakerUserProfile = { apiVersion: API_VERSION, kind: KIND, metadata, spec: obj.spec };
  out.spec.domainId = intern(out.spec.domainId);
  if (obj.status) {
    const status = obj.status;
    status.profileStatus = intern(status.profileStatus);
    for (const c of status.conditions ?? []) {
      c.type = intern(c.type);
      c.status = intern(c.status);
      c.reason = intern(c.reason);
      c.message = intern(c.message);
    }
    out.status = status;
  }
  return out;
}

function withoutLastApplied(all: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!all || all[LAST_APPLIED_ANNOTATION] === undefined) return all;
  const { [LAST_APPLIED_ANNOTATION]: _copy, ...rest } = all;
  return Object.keys(rest).length > 0 ? rest : undefined;
}
