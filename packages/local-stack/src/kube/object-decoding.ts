/** Request body → stored object: apiVersion/kind checked, the URL namespace applied, unknown fields pruned. */
import { pruneObjectMeta } from "../../../../src/api/schema/structural-schema.js";
import { pruneUnknownFields } from "./builtin-fields.js";
import { badRequest } from "./errors.js";
import { deepClone, isObject, type KubeObject } from "./meta.js";
import { apiVersionOf, microTimeError, type ResourceDef } from "./resources.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export class ObjectDecoder {
  /** Unknown fields decode() dropped from a built-in object, for prune() to warn about or refuse. */
  private readonly unknownBuiltinFields = new WeakMap<KubeObject, string[]>();

  /** Body → object in the stored shape, with apiVersion/kind checked and the URL's namespace applied. */
  decode(def: ResourceDef, body: unknown, namespace: string | undefined): KubeObject {
    if (!isObject(body)) throw badRequest("the body of the request was not a JSON object");
    const expected = apiVersionOf(def);
    if (body.apiVersion !== undefined && body.apiVersion !== expected)
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
      );
    if (body.kind !== undefined && body.kind !== def.kind)
      throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${def.kind})`);
    const obj = deepClone(body) as KubeObject;
    const timeError = microTimeError(def, obj);
    if (timeError) throw badRequest(timeError);
    obj.apiVersion = expected;
    obj.kind = def.kind;
    if (!isObject(obj.metadata)) obj.metadata = {};
    // Built-in fields are checked in the shape the client sent (a core v1 name is unknown in events.k8s.io/v1);
    // prune() reports them with the rest.
    const unknownFields = def.knownFields
      ? pruneUnknownFields(obj, def.knownFields)
      : (def.pruneUnknownFields?.(obj) ?? []);
    if (def.namespaced) {
      const ns = namespace ?? "";
      if (obj.metadata.namespace && obj.metadata.namespace !== ns)
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      obj.metadata.namespace = ns;
    } else delete obj.metadata.namespace;
    const stored = def.fromView(obj);
    if (unknownFields.length > 0) this.unknownBuiltinFields.set(stored, unknownFields);
    return stored;
  }

  /** Drops unknown fields; Strict refuses them (400), Warn returns them as warnings. */
  prune(def: ResourceDef, obj: KubeObject, mode: FieldValidation): string[] {
    const unknown: string[] = [];
    pruneObjectMeta(obj.metadata, "metadata", unknown);
    unknown.push(...(this.unknownBuiltinFields.get(obj) ?? []));
    if (def.schema) {
      // The schema's metadata node is ObjectMeta, already pruned above.
      const { metadata, ...rest } = obj;
      unknown.push(...def.schema.prune(rest));
      for (const k of Object.keys(obj)) if (k !== "metadata" && !(k in rest)) delete obj[k];
      Object.assign(obj, rest, { metadata });
    }
    if (unknown.length === 0 || mode === "Ignore") return [];
    const messages = unknown.sort().map((f) => `unknown field "${f}"`);
    if (mode === "Strict")
      throw badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${messages.join(", ")}`,
      );
    return messages;
  }
}
