/** Admission of a decoded object: resource preparation, CRD status, schema defaulting and validation (422). */
import { crdStatus, namesInUse, validateCrd } from "./crd.js";
import { type FieldError, invalid } from "./errors.js";
import { type KubeObject, validateName, validateObjectMeta } from "./meta.js";
import { CRDS_KEY, type ResourceDef } from "./resources.js";
import type { Store } from "./store.js";

/** Resource preparation, defaulting and validation; returns the object to store (or throws 422). */
export function admit(store: Store, def: ResourceDef, obj: KubeObject, old: KubeObject | undefined): KubeObject {
  def.prepare?.(obj, old);
  if (def.storageKey === CRDS_KEY) {
    const crdErrors = validateCrd(obj, old);
    if (crdErrors.length > 0) throw invalid(def.kind, def.group, obj.metadata.name ?? "", crdErrors);
    const crds = store
      .bucket(CRDS_KEY)
      .list()
      .map((s) => s.obj);
    obj.status = crdStatus(obj, old, namesInUse(crds, String((obj.spec as { group?: unknown })?.group ?? "")));
  }
  if (def.schema) {
    const { metadata, ...rest } = obj;
    def.schema.applyDefaults(rest);
    Object.assign(obj, rest, { metadata });
  }
  const errors: FieldError[] = [];
  if (!old)
    for (const m of validateName(obj.metadata.name ?? "", def.nameRule))
      errors.push({
        field: "metadata.name",
        reason: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(obj.metadata.name)}: ${m}`,
      });
  errors.push(...validateObjectMeta(obj.metadata));
  if (def.validate) errors.push(...def.validate(obj, old));
  if (def.schema) {
    const { metadata: _m, ...rest } = def.toView(obj);
    const oldRest = old ? (({ metadata: _o, ...r }) => r)(def.toView(old)) : undefined;
    errors.push(...def.schema.validate(rest, oldRest));
  }
  if (errors.length > 0) throw invalid(def.kind, def.group, obj.metadata.name ?? "", errors);
  return obj;
}
