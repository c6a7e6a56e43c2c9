/**
 * managedFields and server-side apply, simplified: ownership is tracked per leaf field (every list is owned as a
 * whole), an apply merges the applied configuration into the live object, removes the fields this manager applied
 * before and no longer applies (unless another manager owns them), and refuses with 409 to change a field another
 * manager owns unless `force=true`. Pure.
 */
import { KubeError } from "./errors.js";
import {
  deepClone,
  deepEqual,
  isObject,
  type JsonObject,
  type KubeObject,
  type ManagedFieldsEntry,
  timestamp,
} from "./meta.js";

type Segments = string[];
type FieldSet = Map<string, Segments>;

const META_TRACKED = new Set(["labels", "annotations", "finalizers", "ownerReferences"]);

const keyOf = (segs: Segments): string => JSON.stringify(segs);

function collectLeaves(value: unknown, segs: Segments, out: FieldSet): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) collectLeaves(v, [...segs, k], out);
  } else {
    out.set(keyOf(segs), segs);
  }
}

/** The leaf fields of an object that a write through `subresource` may own. */
function leaves(obj: JsonObject | undefined, subresource: "status" | undefined, statusSubresource: boolean): FieldSet {
  const out: FieldSet = new Map();
  if (!obj) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (k === "apiVersion" || k === "kind") continue;
    if (subresource === "status" ? k !== "status" : statusSubresource && k === "status") continue;
    if (k === "metadata") {
      if (subresource === "status" || !isObject(v)) continue;
      for (const [mk, mv] of Object.entries(v)) if (META_TRACKED.has(mk)) collectLeaves(mv, ["metadata", mk], out);
      continue;
    }
    collectLeaves(v, [k], out);
  }
  return out;
}

function getPath(obj: unknown, segs: Segments): unknown {
  let cur = obj;
  for (const s of segs) {
    if (!isObject(cur)) return undefined;
    cur = cur[s];
  }
  return cur;
}

function deletePath(obj: JsonObject, segs: Segments): void {
  const parents: JsonObject[] = [];
  let cur: unknown = obj;
  for (const s of segs.slice(0, -1)) {
    if (!isObject(cur)) return;
    parents.push(cur);
    cur = cur[s];
  }
  if (!isObject(cur)) return;
  delete cur[segs[segs.length - 1] ?? ""];
  // Drop maps the removal emptied, as the real server's apply does.
  let node = cur;
  for (let i = segs.length - 2; i >= 1; i--) {
    const parent = parents[i];
    if (!parent || Object.keys(node).length > 0) break;
    delete parent[segs[i] ?? ""];
    node = parent;
  }
}

function toFieldsV1(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  for (const segs of set.values()) {
    let node = root;
    for (const s of segs) {
      const k = `f:${s}`;
      if (!isObject(node[k])) node[k] = {};
      node = node[k] as JsonObject;
    }
  }
  return root;
}

function fromFieldsV1(fields: unknown, segs: Segments = [], out: FieldSet = new Map()): FieldSet {
  if (!isObject(fields)) return out;
  const children = Object.keys(fields).filter((k) => k.startsWith("f:"));
  const other = Object.keys(fields).some((k) => k.startsWith("k:") || k.startsWith("v:") || k.startsWith("i:"));
  if (segs.length > 0 && (children.length === 0 || other)) out.set(keyOf(segs), segs);
  if (!other) for (const k of children) fromFieldsV1(fields[k], [...segs, k.slice(2)], out);
  return out;
}

interface Manager {
  manager: string;
  apiVersion: string;
  subresource?: string;
}

const sameEntry = (e: ManagedFieldsEntry, m: Manager, operation: "Apply" | "Update") =>
  e.manager === m.manager && e.operation === operation && (e.subresource ?? "") === (m.subresource ?? "");

function rebuild(entries: Array<{ entry: ManagedFieldsEntry; set: FieldSet }>): ManagedFieldsEntry[] | undefined {
  const out = entries.filter((e) => e.set.size > 0).map(({ entry, set }) => ({ ...entry, fieldsV1: toFieldsV1(set) }));
  return out.length > 0 ? out : undefined;
}

/** Records an Update by `m`: it owns the fields it changed; other managers lose them; removed fields lose owners. */
export function recordUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  m: Manager,
  statusSubresource: boolean,
): void {
  const sub = m.subresource === "status" ? "status" : undefined;
  const before = leaves(old, sub, statusSubresource);
  const after = leaves(next, sub, statusSubresource);
  const changed: FieldSet = new Map();
  for (const [k, segs] of after) {
    if (!before.has(k) || !deepEqual(getPath(old, segs), getPath(next, segs))) changed.set(k, segs);
  }
  const removed: string[] = [...before.keys()].filter((k) => !after.has(k));
  const entries = (old?.metadata.managedFields ?? []).map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
  for (const e of entries) {
    for (const k of removed) e.set.delete(k);
    if (!sameEntry(e.entry, m, "Update")) for (const k of changed.keys()) e.set.delete(k);
  }
  let mine = entries.find((e) => sameEntry(e.entry, m, "Update"));
  if (!mine && changed.size > 0) {
    mine = { entry: newEntry(m, "Update"), set: new Map() };
    entries.push(mine);
  }
  if (mine && changed.size > 0) {
    for (const [k, segs] of changed) mine.set.set(k, segs);
    mine.entry = { ...mine.entry, time: timestamp(), apiVersion: m.apiVersion };
  }
  next.metadata.managedFields = rebuild(entries);
}

function newEntry(m: Manager, operation: "Apply" | "Update"): ManagedFieldsEntry {
  const e: ManagedFieldsEntry = {
    manager: m.manager,
    operation,
    apiVersion: m.apiVersion,
    time: timestamp(),
    fieldsType: "FieldsV1",
    fieldsV1: {},
  };
  if (m.subresource) e.subresource = m.subresource;
  return e;
}

/** Deep merge of an applied configuration into the live object: maps merge, lists and scalars are replaced. */
function mergeApplied(live: unknown, config: unknown): unknown {
  if (!isObject(config) || !isObject(live)) return deepClone(config);
  const out: JsonObject = { ...live };
  for (const [k, v] of Object.entries(config)) out[k] = v === null ? null : mergeApplied(live[k], v);
  return out;
}

/**
 * Server-side apply of `config` by `m` onto `live` (undefined: the object is created). Returns the new object with
 * managedFields set; throws 409 Conflict when it would change fields another manager owns and `force` is false.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  config: KubeObject,
  m: Manager,
  force: boolean,
  statusSubresource: boolean,
): KubeObject {
  const sub = m.subresource === "status" ? "status" : undefined;
  const applied = leaves(config, sub, statusSubresource);
  const entries = (live?.metadata.managedFields ?? []).map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
  const changing = new Map<string, Segments>();
  for (const [k, segs] of applied) {
    if (!deepEqual(getPath(live, segs), getPath(config, segs))) changing.set(k, segs);
  }
  const conflicts = new Map<string, string[]>();
  for (const { entry, set } of entries) {
    if (sameEntry(entry, m, "Apply")) continue;
    for (const [k, segs] of changing) {
      if (!set.has(k)) continue;
      const who = `conflict with "${entry.manager}" using ${entry.apiVersion}`;
      conflicts.set(who, [...(conflicts.get(who) ?? []), `.${segs.join(".")}`]);
    }
  }
  if (conflicts.size > 0 && !force) throw conflictError(conflicts);

  let result: KubeObject;
  if (live) {
    const base = deepClone(live);
    const scoped: JsonObject = {};
    for (const [k, v] of Object.entries(config)) {
      if (k === "metadata" || k === "apiVersion" || k === "kind") continue;
      if (sub === "status" ? k !== "status" : statusSubresource && k === "status") continue;
      scoped[k] = v;
    }
    const mergedMeta: JsonObject = { ...base.metadata };
    const metaConfig = isObject(config.metadata) ? config.metadata : {};
    if (sub !== "status")
      for (const k of META_TRACKED) {
        if (metaConfig[k] !== undefined) mergedMeta[k] = mergeApplied(base.metadata[k], metaConfig[k]);
      }
    result = mergeApplied(base, scoped) as KubeObject;
    result.metadata = mergedMeta as KubeObject["metadata"];
  } else {
    result = deepClone(config);
  }

  const mine = entries.find((e) => sameEntry(e.entry, m, "Apply"));
  if (mine) {
    for (const [k, segs] of mine.set) {
      if (applied.has(k)) continue;
      const ownedElsewhere = entries.some((e) => e !== mine && e.set.has(k));
      if (!ownedElsewhere) deletePath(result, segs);
    }
  }
  for (const e of entries) {
    if (e === mine) continue;
    for (const k of changing.keys()) e.set.delete(k);
  }
  const entry = {
    entry: { ...(mine?.entry ?? newEntry(m, "Apply")), time: timestamp(), apiVersion: m.apiVersion },
    set: applied,
  };
  const others = entries.filter((e) => e !== mine);
  result.metadata.managedFields = rebuild([...others, entry]);
  return result;
}

function conflictError(conflicts: Map<string, string[]>): KubeError {
  const total = [...conflicts.values()].reduce((n, l) => n + l.length, 0);
  const parts = [...conflicts.entries()].map(([who, fields]) =>
    fields.length === 1
      ? `${who}: ${fields[0]}`
      : `${who.replace("conflict with", "conflicts with")}:\n- ${fields.join("\n- ")}`,
  );
  const message = `Apply failed with ${total} conflict${total === 1 ? "" : "s"}: ${parts.join("\n")}`;
  return new KubeError(409, "Conflict", message, {
    causes: [...conflicts.entries()].flatMap(([who, fields]) =>
      fields.map((field) => ({ reason: "FieldManagerConflict", message: who, field })),
    ),
  });
}
