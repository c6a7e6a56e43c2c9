/**
 * The API's verbs over the store: get, list, create, update, patch, delete, with the real server's rules for
 * resourceVersion preconditions, generation, the status subresource, finalizers and deletionTimestamp, namespaces,
 * field validation (Strict/Warn/Ignore), defaulting, schema validation and managedFields. No HTTP here.
 */
import { parse as parseYaml } from "yaml";
import { recordUpdate, serverSideApply } from "./apply.js";
import { isEstablished, resourcesFromCrd } from "./crd.js";
import { alreadyExists, badRequest, conflict, invalid, KubeError, notFound, STALE_MESSAGE } from "./errors.js";
import { deepClone, generateNameSuffix, isObject, type JsonObject, type KubeObject } from "./meta.js";
import {
  hasNamespaceFinalizer,
  maybeFinishNamespace,
  namespacedDefs,
  requireNamespace,
} from "./namespace-lifecycle.js";
import { admit } from "./object-admission.js";
import { type FieldValidation, ObjectDecoder } from "./object-decoding.js";
import { bumpGeneration, mainWrite, markDeleting, stampNew, statusWrite, unchanged } from "./object-metadata.js";
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
import { apiVersionOf, CRDS_KEY, NAMESPACES_KEY, type ResourceDef } from "./resources.js";
import { exactName, type FieldSelector, type LabelSelector, matchesFields, matchesLabels } from "./selectors.js";
import type { Store, StoredObject } from "./store.js";

export type { FieldValidation } from "./object-decoding.js";

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
  /** The resourceVersion the list is served at (list-options.ts listAt); default: the store's current one. */
  rv?: number;
}

export class ObjectApi {
  readonly pager = new Pager();
  private readonly decoder = new ObjectDecoder();

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
    const rv = opts.rv ?? this.store.currentRv();
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
    const obj = this.decoder.decode(def, body, namespace);
    const warnings = this.decoder.prune(def, obj, opts.fieldValidation);
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
    requireNamespace(this.store, def, meta.namespace);
    stampNew(def, obj);
    const stored = admit(this.store, def, obj, undefined);
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
    const obj = this.decoder.decode(def, body, namespace);
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
    const warnings = this.decoder.prune(def, obj, opts.fieldValidation);
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
    const obj = this.decoder.decode(def, patched, namespace);
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
    const warnings = this.decoder.prune(def, obj, opts.fieldValidation);
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
    const obj = this.decoder.decode(def, config, namespace);
    if (obj.metadata.name !== name)
      throw badRequest(
        `the name of the object (${obj.metadata.name ?? ""}) does not match the name on the URL (${name})`,
      );
    const warnings = this.decoder.prune(def, obj, opts.fieldValidation);
    const manager = { manager: opts.fieldManager, apiVersion: apiVersionOf(def), subresource };
    if (!existing) {
      if (subresource) throw notFound(def.group, def.plural, name);
      requireNamespace(this.store, def, obj.metadata.namespace);
      const created = serverSideApply(undefined, obj, manager, opts.force ?? false, def.statusSubresource);
      const managed = created.metadata.managedFields;
      stampNew(def, created);
      const stored = admit(this.store, def, created, undefined);
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
      next = statusWrite(oldObj, incoming, managedFieldsDone);
    } else next = mainWrite(def, oldObj, incoming, managedFieldsDone);
    next.metadata.resourceVersion = oldObj.metadata.resourceVersion;
    const stored = admit(this.store, def, next, oldObj);
    bumpGeneration(def, stored, oldObj);
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
      !hasNamespaceFinalizer(def, stored)
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
    const pending = (o.metadata.finalizers ?? []).length > 0 || hasNamespaceFinalizer(def, o);
    if (pending) {
      if (o.metadata.deletionTimestamp) return { object: def.toView(o), deleted: false };
      const next = markDeleting(def, o);
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

  /** Deletes what `list` answers for these options (one page with a limit) and answers that page, deleted. */
  deleteCollection(
    def: ResourceDef,
    namespace: string | undefined,
    opts: ListOptions,
    options: DeleteOptions,
  ): Omit<Page, "items"> & { items: KubeObject[] } {
    const page = this.list(def, namespace, opts);
    const dryRun = (options.dryRun ?? []).includes("All");
    return { ...page, items: page.items.map((s) => this.deleteStored(def, s, dryRun).object) };
  }

  // ---- pipeline pieces ----

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
    if (def.namespaced && ns) maybeFinishNamespace(this.store, this.registry, ns);
  }

  /** Namespace deletion: delete everything in it; the namespace goes once it is empty. */
  private terminateNamespace(ns: string): void {
    for (const def of namespacedDefs(this.registry)) {
      const bucket = this.store.bucket(def.storageKey);
      for (const s of bucket.list(ns)) if (!s.obj.metadata.deletionTimestamp) this.deleteStored(def, s, false);
    }
    maybeFinishNamespace(this.store, this.registry, ns);
  }
}

export const unsupportedMediaType = (): KubeError =>
  new KubeError(
    415,
    "UnsupportedMediaType",
    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
  );
