/** Namespaces' life cycle: no new content in a terminating namespace, and the namespace goes once it is empty. */
import { KubeError, notFound } from "./errors.js";
import { deepClone, isObject, type KubeObject } from "./meta.js";
import type { Registry } from "./registry.js";
import { NAMESPACE_FINALIZER, NAMESPACES_KEY, type ResourceDef } from "./resources.js";
import type { Store } from "./store.js";

export function requireNamespace(store: Store, def: ResourceDef, namespace: string | undefined): void {
  if (!def.namespaced) return;
  const ns = store.bucket(NAMESPACES_KEY).get("", namespace ?? "");
  if (!ns) throw notFound("", "namespaces", namespace ?? "");
  if (ns.obj.metadata.deletionTimestamp && def.storageKey !== NAMESPACES_KEY)
    throw new KubeError(
      403,
      "Forbidden",
      `${def.plural}${def.group ? `.${def.group}` : ""} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      {
        causes: [
          {
            reason: "NamespaceTerminating",
            message: `namespace ${namespace} is being terminated`,
            field: "metadata.namespace",
          },
        ],
      },
    );
}

export function hasNamespaceFinalizer(def: ResourceDef, obj: KubeObject): boolean {
  if (def.storageKey !== NAMESPACES_KEY) return false;
  const spec = isObject(obj.spec) ? obj.spec : {};
  return Array.isArray(spec.finalizers) && spec.finalizers.includes(NAMESPACE_FINALIZER);
}

/** Removes a terminating namespace once no namespaced resource has objects in it. */
export function maybeFinishNamespace(store: Store, registry: Registry, ns: string): void {
  const nsObj = store.bucket(NAMESPACES_KEY).get("", ns);
  if (!nsObj?.obj.metadata.deletionTimestamp) return;
  for (const def of namespacedDefs(registry)) if (store.bucket(def.storageKey).countIn(ns) > 0) return;
  const final = deepClone(nsObj.obj);
  final.spec = { finalizers: [] };
  store.remove(NAMESPACES_KEY, final, nsObj);
}

/** One definition per stored namespaced resource. */
export function namespacedDefs(registry: Registry): ResourceDef[] {
  const seen = new Map<string, ResourceDef>();
  for (const d of registry.all()) if (d.namespaced && !seen.has(d.storageKey)) seen.set(d.storageKey, d);
  return [...seen.values()];
}
