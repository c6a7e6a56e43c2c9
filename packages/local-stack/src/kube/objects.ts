/**
 * The API's verbs over the store: get, list, create, update, patch, delete, with the real server's rules for
 * resourceVersion preconditions, generation, the status subresource, finalizers and deletionTimestamp, namespaces,
 * field validation (Strict/Warn/Ignore), defaulting, schema validation and managedFields. No HTTP here.
 */
import { parse as parseYaml } from "yaml";
import { pruneObjectMeta } from "../../../../src/api/schema/structural-schema.js";
import { recordUpdate, serverSideApply } from "./apply.js";
import { pruneUnknownFields } from "./builtin-fields.js";
import { crdStatus, isEstablished, namesInUse, resourcesFromCrd, validateCrd } from "./crd.js";
import {
  alreadyExists,
  badRequest,
  conflict,
  type FieldError,
  invalid,
  KubeError,
  notFound,
  STALE_MESSAGE,
} from "./errors.js";
import {
  deepClone,
  deepEqual,
  equalExcept,
  generateNameSuffix,
  isObject,
  type JsonObject,
  type KubeObject,
  timestamp,
  validateName,
  validateObjectMeta,
} from "./meta.js";
import { type Page, Pager } from "./paging.js";
import {
  APPLY_PATCH,
  applyJsonPatch,
  JSON_PATCH,
  MERGE_PATCH,
  mergePatch,
  STRATEGIC_MERGE_PATCH,
  strategicMergePatch,
} from "./patch.js";
import type { Registry } from "./registry.js";
import {
  apiVersionOf,
  CRDS_KEY,
  microTimeError,
  NAMESPACE_FINALIZER,
  NAMESPACES_KEY,
  type ResourceDef,
} from "./resources.js";
import { exactName, type FieldSelector, type LabelSelector, matchesFields, matchesLabels } from "./selectors.js";
import type { Store, StoredObject } from "./store.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: FieldValidation;
  force?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** 201 for creates, 200 otherwise. */
  code: number;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
}

export interface ListOptions {
  labels: LabelSelector;
  fields: FieldSelector;
  limit: number;
  continueToken: string | null;
}

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

export class ObjectApi {
  readonly pager = new Pager();
  /** Unknown fields decode() dropped from a built-in object, for prune() to warn about or refuse. */
  private readonly unknownBuiltinFields = new WeakMap<KubeObject, string[]>();

  constructor(
    readonly store: Store,
    readonly registry: Registry,
  ) {}

  // ---- reads ----

  getStored(def: ResourceDef, namespace: string | undefined, name: string): StoredObject {
    const s = this.store.bucket(def.storageKey).get(def.namespaced ? (namespace ?? "") : "", name);
    if (!s) throw notFound(def.group, def.plural, name);
    return s;
  }

  /** Objects matching the selectors, one page of them when `limit` is set. */
  list(def: ResourceDef, namespace: string | undefined, opts: ListOptions): Page {
    const bucket = this.store.bucket(def.storageKey);
    const rv = this.store.currentRv();
    const ns = def.namespaced ? namespace : undefined;
    const all = (): StoredObject[] => {
      const name = exactName(opts.fields);
      let candidates: StoredObject[];
      if (name !== undefined) {
        if (ns !== undefined) {
          const one = bucket.get(ns, name);
          candidates = one ? [one] : [];
        } else candidates = bucket.list().filter((s) => s.obj.metadata.name === name);
      } else candidates = bucket.list(ns);
      if (opts.labels.length === 0 && opts.fields.length === 0) return candidates;
      return candidates.filter((s) => this.matches(def, s.obj, opts.labels, opts.fields));
    };
    return this.pager.page(all, rv, opts.limit, opts.continueToken);
  }

  matches(def: ResourceDef, stored: KubeObject, labels: LabelSelector, fields: FieldSelector): boolean {
    if (!matchesLabels(labels, stored.metadata.labels)) return false;
    return fields.length === 0 || matchesFields(fields, def.toView(stored));
  }

  // ---- writes ----

  create(def: ResourceDef, namespace: string | undefined, body: unknown, opts: WriteOptions): WriteResult {
    const obj = this.decode(def, body, namespace);
    const warnings = this.prune(def, obj, opts.fieldValidation);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateNameSuffix()}`;
    if (!meta.name)
      throw invalid(def.kind, def.group, "", [
        {
          field: "metadata.name",
          reason: "FieldValueRequired",
          message: "Required value: name or generateName is required",
        },
      ]);
    this.requireNamespace(def, meta.namespace);
    for (const k of SYSTEM_META) delete meta[k];
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = timestamp();
    if (def.tracksGeneration) meta.generation = 1;
    if (def.statusSubresource && def.custom) delete obj.status;
    const stored = this.admit(def, obj, undefined);
    recordUpdate(
      undefined,
      stored,
      { manager: opts.fieldManager, apiVersion: apiVersionOf(def) },
      def.statusSubresource,
    );
    if (this.store.bucket(def.storageKey).get(meta.namespace ?? "", meta.name))
      throw alreadyExists(def.group, def.plural, meta.name);
    if (opts.dryRun) return { object: def.toView(stored), warnings, code: 201 };
    const s = this.store.write(def.storageKey, stored, undefined);
    this.afterWrite(def, s.obj);
    return { object: def.toView(s.obj), warnings, code: 201 };
  }

  update(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions,
    subresource: "status" | undefined,
  ): WriteResult {
    const obj = this.decode(def, body, namespace);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name)
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    obj.metadata.name = name;
    const old = this.getStored(def, namespace, name);
    const rv = obj.metadata.resourceVersion;
    if (rv === undefined || rv === "") {
      if (!def.allowUnconditionalUpdate)
        throw invalid(def.kind, def.group, name, [
          {
            field: "metadata.resourceVersion",
            reason: "FieldValueInvalid",
            message: "Invalid value: 0: must be specified for an update",
          },
        ]);
    } else if (rv !== old.obj.metadata.resourceVersion) throw conflict(def.group, def.plural, name, STALE_MESSAGE);
    const warnings = this.prune(def, obj, opts.fieldValidation);
    return { ...this.commitUpdate(def, old, obj, opts, subresource, false), warnings };
  }

  patch(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    contentType: string,
    rawBody: string,
    opts: WriteOptions,
    subresource: "status" | undefined,
  ): WriteResult {
    const ns = def.namespaced ? (namespace ?? "") : "";
    const existing = this.store.bucket(def.storageKey).get(ns, name);
    if (contentType === APPLY_PATCH) return this.apply(def, namespace, name, rawBody, opts, subresource, existing);
    // Like the real server: custom resources have no patch strategies, so strategic merge patches are refused
    // (client-node's KubernetesObjectApi.patch defaults to one; kubectl uses merge patches for them).
    if (contentType === STRATEGIC_MERGE_PATCH && def.custom) throw unsupportedMediaType();
    if (!existing) throw notFound(def.group, def.plural, name);
    let patchBody: unknown;
    try {
      patchBody = JSON.parse(rawBody);
    } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
    const current = deepClone(def.toView(existing.obj)) as JsonObject;
    let patched: unknown;
    if (contentType === JSON_PATCH) patched = applyJsonPatch(current, patchBody);
    else if (contentType === MERGE_PATCH) patched = mergePatch(current, patchBody);
    else if (contentType === STRATEGIC_MERGE_PATCH) patched = strategicMergePatch(current, patchBody);
    else throw unsupportedMediaType();
    if (!isObject(patched)) throw badRequest("the patch did not produce an object");
    const obj = this.decode(def, patched, namespace);
    if (obj.metadata.name !== name)
      throw invalid(def.kind, def.group, name, [
        {
          field: "metadata.name",
          reason: "FieldValueInvalid",
          message: `Invalid value: ${JSON.stringify(obj.metadata.name)}: field is immutable`,
        },
      ]);
    // A resourceVersion in the patch is a precondition, as with the real server.
    if (obj.metadata.resourceVersion !== existing.obj.metadata.resourceVersion)
      throw conflict(def.group, def.plural, name, STALE_MESSAGE);
    const warnings = this.prune(def, obj, opts.fieldValidation);
    return { ...this.commitUpdate(def, existing, obj, opts, subresource, false), warnings };
  }

  private apply(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    rawBody: string,
    opts: WriteOptions,
    subresource: "status" | undefined,
    existing: StoredObject | undefined,
  ): WriteResult {
    if (!opts.fieldManager || opts.fieldManager === "unknown")
      throw badRequest("PATCH request for apply must specify fieldManager");
    let config: unknown;
    try {
      config = parseYaml(rawBody);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
    const obj = this.decode(def, config, namespace);
    if (obj.metadata.name !== name)
      throw badRequest(
        `the name of the object (${obj.metadata.name ?? ""}) does not match the name on the URL (${name})`,
      );
    const warnings = this.prune(def, obj, opts.fieldValidation);
    const manager = { manager: opts.fieldManager, apiVersion: apiVersionOf(def), subresource };
    if (!existing) {
      if (subresource) throw notFound(def.group, def.plural, name);
      this.requireNamespace(def, obj.metadata.namespace);
      const created = serverSideApply(undefined, obj, manager, opts.force ?? false, def.statusSubresource);
      const managed = created.metadata.managedFields;
      for (const k of SYSTEM_META) delete created.metadata[k];
      created.metadata.uid = crypto.randomUUID();
      created.metadata.creationTimestamp = timestamp();
      if (def.tracksGeneration) created.metadata.generation = 1;
      if (def.statusSubresource && def.custom) delete created.status;
      const stored = this.admit(def, created, undefined);
      stored.metadata.managedFields = managed;
      if (opts.dryRun) return { object: def.toView(stored), warnings, code: 201 };
      const s = this.store.write(def.storageKey, stored, undefined);
      this.afterWrite(def, s.obj);
      return { object: def.toView(s.obj), warnings, code: 201 };
    }
    const current = deepClone(def.toView(existing.obj));
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== existing.obj.metadata.resourceVersion)
      throw conflict(def.group, def.plural, name, STALE_MESSAGE);
    const merged = serverSideApply(current, obj, manager, opts.force ?? false, def.statusSubresource);
    const next = def.fromView(merged);
    next.metadata.resourceVersion = existing.obj.metadata.resourceVersion;
    return { ...this.commitUpdate(def, existing, next, opts, subresource, true), warnings };
  }

  /** The rest of an update once the new object is decoded, pruned and its preconditions checked. */
  private commitUpdate(
    def: ResourceDef,
    old: StoredObject,
    incoming: KubeObject,
    opts: WriteOptions,
    subresource: "status" | undefined,
    managedFieldsDone: boolean,
  ): WriteResult {
    const oldObj = old.obj;
    let next: KubeObject;
    if (subresource === "status") {
      if (!def.statusSubresource) throw notFound(def.group, `${def.plural}/status`, oldObj.metadata.name ?? "");
      next = deepClone(oldObj);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
      if (managedFieldsDone) next.metadata.managedFields = incoming.metadata.managedFields;
    } else {
      next = incoming;
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
    }
    next.metadata.resourceVersion = oldObj.metadata.resourceVersion;
    const stored = this.admit(def, next, oldObj);
    if (def.tracksGeneration) {
      const ignored = def.statusSubresource ? META_AND_STATUS : META_ONLY;
      if (!equalExcept(stored, oldObj, ignored)) stored.metadata.generation = (oldObj.metadata.generation ?? 0) + 1;
    }
    // An update that changes nothing is not written: same resourceVersion, no watch event.
    if (unchanged(stored, oldObj)) return { object: def.toView(oldObj), warnings: [], code: 200 };
    if (!managedFieldsDone)
      recordUpdate(
        oldObj,
        stored,
        { manager: opts.fieldManager, apiVersion: apiVersionOf(def), subresource },
        def.statusSubresource,
      );
    if (opts.dryRun) return { object: def.toView(stored), warnings: [], code: 200 };
    if (
      stored.metadata.deletionTimestamp &&
      (stored.metadata.finalizers ?? []).length === 0 &&
      !this.hasNamespaceFinalizer(def, stored)
    ) {
      const gone = this.store.remove(def.storageKey, stored, old);
      this.afterDelete(def, gone.obj);
      return { object: def.toView(gone.obj), warnings: [], code: 200 };
    }
    const s = this.store.write(def.storageKey, stored, old);
    this.afterWrite(def, s.obj);
    return { object: def.toView(s.obj), warnings: [], code: 200 };
  }

  delete(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
  ): { object: KubeObject; deleted: boolean } {
    const old = this.getStored(def, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.obj.metadata.uid)
      throw conflict(
        def.group,
        def.plural,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.obj.metadata.uid}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== old.obj.metadata.resourceVersion)
      throw conflict(
        def.group,
        def.plural,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.obj.metadata.resourceVersion}`,
      );
    const dryRun = (options.dryRun ?? []).includes("All");
    return this.deleteStored(def, old, dryRun);
  }

  private deleteStored(def: ResourceDef, old: StoredObject, dryRun: boolean): { object: KubeObject; deleted: boolean } {
    const o = old.obj;
    const pending = (o.metadata.finalizers ?? []).length > 0 || this.hasNamespaceFinalizer(def, o);
    if (pending) {
      if (o.metadata.deletionTimestamp) return { object: def.toView(o), deleted: false };
      const next = deepClone(o);
      next.metadata.deletionTimestamp = timestamp();
      next.metadata.deletionGracePeriodSeconds = 0;
      // The first graceful deletion changes what controllers must do: bump generation, like the real server.
      if (def.tracksGeneration && (next.metadata.generation ?? 0) > 0)
        next.metadata.generation = (next.metadata.generation ?? 0) + 1;
      if (def.storageKey === NAMESPACES_KEY)
        next.status = { ...(isObject(next.status) ? next.status : {}), phase: "Terminating" };
      if (dryRun) return { object: def.toView(next), deleted: false };
      const s = this.store.write(def.storageKey, next, old);
      if (def.storageKey === NAMESPACES_KEY) this.terminateNamespace(o.metadata.name ?? "");
      return { object: def.toView(s.obj), deleted: false };
    }
    if (dryRun) return { object: def.toView(o), deleted: true };
    const gone = this.store.remove(def.storageKey, deepClone(o), old);
    this.afterDelete(def, gone.obj);
    return { object: def.toView(gone.obj), deleted: true };
  }

  deleteCollection(
    def: ResourceDef,
    namespace: string | undefined,
    opts: ListOptions,
    options: DeleteOptions,
  ): KubeObject[] {
    const page = this.list(def, namespace, { ...opts, limit: 0, continueToken: null });
    const dryRun = (options.dryRun ?? []).includes("All");
    return page.items.map((s) => this.deleteStored(def, s, dryRun).object);
  }

  // ---- pipeline pieces ----

  /** Body → object in the stored shape, with apiVersion/kind checked and the URL's namespace applied. */
  private decode(def: ResourceDef, body: unknown, namespace: string | undefined): KubeObject {
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
  private prune(def: ResourceDef, obj: KubeObject, mode: FieldValidation): string[] {
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

  /** Resource preparation, defaulting and validation; returns the object to store (or throws 422). */
  private admit(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined): KubeObject {
    def.prepare?.(obj, old);
    if (def.storageKey === CRDS_KEY) {
      const crdErrors = validateCrd(obj, old);
      if (crdErrors.length > 0) throw invalid(def.kind, def.group, obj.metadata.name ?? "", crdErrors);
      const crds = this.store
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

  private requireNamespace(def: ResourceDef, namespace: string | undefined): void {
    if (!def.namespaced) return;
    const ns = this.store.bucket(NAMESPACES_KEY).get("", namespace ?? "");
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

  private hasNamespaceFinalizer(def: ResourceDef, obj: KubeObject): boolean {
    if (def.storageKey !== NAMESPACES_KEY) return false;
    const spec = isObject(obj.spec) ? obj.spec : {};
    return Array.isArray(spec.finalizers) && spec.finalizers.includes(NAMESPACE_FINALIZER);
  }

  private afterWrite(def: ResourceDef, obj: KubeObject): void {
    // Only an Established CRD is served, under the names it was granted.
    if (def.storageKey === CRDS_KEY && isEstablished(obj))
      this.registry.setCrd(obj.metadata.name ?? "", resourcesFromCrd(obj));
  }

  private afterDelete(def: ResourceDef, obj: KubeObject): void {
    if (def.storageKey === CRDS_KEY) {
      const name = obj.metadata.name ?? "";
      const served = this.registry.crdResources(name);
      this.registry.removeCrd(name);
      // The real server deletes every instance before the CRD goes.
      const key = served[0]?.storageKey;
      if (key) {
        const bucket = this.store.bucket(key);
        for (const s of bucket.list()) this.store.remove(key, deepClone(s.obj), s);
      }
    }
    const ns = obj.metadata.namespace;
    if (def.namespaced && ns) this.maybeFinishNamespace(ns);
  }

  /** Namespace deletion: delete everything in it; the namespace goes once it is empty. */
  private terminateNamespace(ns: string): void {
    for (const def of this.namespacedDefs()) {
      const bucket = this.store.bucket(def.storageKey);
      for (const s of bucket.list(ns)) if (!s.obj.metadata.deletionTimestamp) this.deleteStored(def, s, false);
    }
    this.maybeFinishNamespace(ns);
  }

  private maybeFinishNamespace(ns: string): void {
    const nsObj = this.store.bucket(NAMESPACES_KEY).get("", ns);
    if (!nsObj?.obj.metadata.deletionTimestamp) return;
    for (const def of this.namespacedDefs()) if (this.store.bucket(def.storageKey).countIn(ns) > 0) return;
    const final = deepClone(nsObj.obj);
    final.spec = { finalizers: [] };
    this.store.remove(NAMESPACES_KEY, final, nsObj);
  }

  /** One definition per stored namespaced resource. */
  private namespacedDefs(): ResourceDef[] {
    const seen = new Map<string, ResourceDef>();
    for (const d of this.registry.all()) if (d.namespaced && !seen.has(d.storageKey)) seen.set(d.storageKey, d);
    return [...seen.values()];
  }
}

/** Equal apart from resourceVersion and managedFields timestamps: such a write is skipped, like the real server does. */
function unchanged(a: KubeObject, b: KubeObject): boolean {
  const { resourceVersion: _a, managedFields: fa, ...ma } = a.metadata;
  const { resourceVersion: _b, managedFields: fb, ...mb } = b.metadata;
  const untimed = (f: typeof fa) => (f ?? []).map(({ time: _t, ...rest }) => rest);
  return deepEqual(ma, mb) && equalExcept(a, b, META_ONLY) && deepEqual(untimed(fa), untimed(fb));
}

export const unsupportedMediaType = (): KubeError =>
  new KubeError(
    415,
    "UnsupportedMediaType",
    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
  );
