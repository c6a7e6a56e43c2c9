/**
 * The comparison itself, in spec space and driven by the model: only what the spec declares is compared, lists of
 * scalars compare as sets, lists of structures compare element by element after pairing them, and the profile's
 * security groups are read net of the groups the domain adds. Each difference comes out three ways at once: as
 * declared leaves that differ (for fields and human messages), as JSON Patch operations and as the observed
 * document restricted to the declared fields (the document the operations apply to).
 */
import type { AddOperation, ReplaceOperation } from "fast-json-patch";
import jsonpatch from "fast-json-patch";
import { isPerfect, maximumMatching, type Pairs } from "./match.js";
import { sameSet, valueAt } from "./normalize.js";
import { isRecord, type Kind, kindOf } from "./shapes.js";

export type Segment = string | number;

/** One declared leaf or list whose observed value (`from`, undefined when absent) differs from the spec (`to`). */
export interface Difference {
  path: Segment[];
  from: unknown;
  to: unknown;
}

export type PatchOperation = AddOperation<unknown> | ReplaceOperation<unknown>;

export interface Comparison {
  differences: Difference[];
  ops: PatchOperation[];
  /** The observed value restricted to the declared fields, lists aligned with the spec; undefined when absent. */
  view: unknown;
}

export interface CompareContext {
  /** Groups the domain adds to every profile; observed, undeclared ones are not the profile's own. */
  domainSecurityGroups?: readonly string[];
}

export const pointer = (path: readonly Segment[]): string =>
  path.map((s) => `/${jsonpatch.escapePathComponent(String(s))}`).join("");

/** Compares a declared (clean, spec-form) value with the observed one at `path`. */
export function compare(
  shapeName: string,
  desired: unknown,
  observed: unknown,
  path: Segment[],
  ctx: CompareContext,
): Comparison {
  const k = kindOf(shapeName);
  if (k.kind === "struct" && isRecord(desired)) return compareStruct(shapeName, k, desired, observed, path, ctx);
  if (k.kind === "set" && Array.isArray(desired)) return compareSet(desired, observed, path);
  if (k.kind === "keyed" && Array.isArray(desired)) return compareKeyed(k, desired, observed, path, ctx);
  return desired === observed ? same(observed) : differ(path, observed, desired);
}

const same = (view: unknown): Comparison => ({ differences: [], ops: [], view });

function differ(path: Segment[], observed: unknown, desired: unknown): Comparison {
  const op = observed === undefined ? "add" : "replace";
  return {
    differences: [{ path, from: observed, to: desired }],
    ops: [{ op, path: pointer(path), value: desired }],
    view: observed,
  };
}

function compareStruct(
  shapeName: string,
  k: Extract<Kind, { kind: "struct" }>,
  desired: Record<string, unknown>,
  observed: unknown,
  path: Segment[],
  ctx: CompareContext,
): Comparison {
  const obs = isRecord(observed) ? observed : undefined;
  const differences: Difference[] = [];
  const ops: PatchOperation[] = [];
  const view: Record<string, unknown> = {};
  for (const m of k.members) {
    const d = desired[m.spec];
    if (d === undefined) continue; // not declared: not managed
    let o = obs?.[m.spec];
    if (shapeName === "UserSettings" && m.wire === "SecurityGroups") o = ownSecurityGroups(d, o, ctx);
    const r = compare(m.shape, d, o, [...path, m.spec], ctx);
    differences.push(...r.differences);
    ops.push(...r.ops);
    if (r.view !== undefined) view[m.spec] = r.view;
  }
  if (obs !== undefined) return { differences, ops, view };
  // Nothing observed to patch into: one `add` of the declared block (its leaves still count one by one).
  return {
    differences,
    ops: differences.length > 0 ? [{ op: "add", path: pointer(path), value: desired }] : [],
    view: undefined,
  };
}

/**
 * SageMaker returns a profile's own groups together with the domain's default groups and its managed NFS group.
 * Those domain groups are the profile's only if the spec declares them.
 */
function ownSecurityGroups(declared: unknown, observed: unknown, ctx: CompareContext): unknown {
  if (!Array.isArray(observed) || !Array.isArray(declared)) return observed;
  const domain = new Set(ctx.domainSecurityGroups ?? []);
  const keep = new Set(declared);
  return observed.filter((g) => !domain.has(g as string) || keep.has(g));
}

/** Missing equals empty: declaring `[]` where SageMaker has nothing is in sync. */
function compareSet(desired: unknown[], observed: unknown, path: Segment[]): Comparison {
  const obs = Array.isArray(observed) ? observed : [];
  if (sameSet(desired, obs)) return same(observed === undefined ? undefined : desired);
  return differ(path, observed, desired);
}

function compareKeyed(
  k: Extract<Kind, { kind: "keyed" }>,
  desired: unknown[],
  observed: unknown,
  path: Segment[],
  ctx: CompareContext,
): Comparison {
  const obs = Array.isArray(observed) ? observed : [];
  const { pairs, inSync, keysMatch } = pairElements(k, desired, obs, ctx);
  if (!inSync && !keysMatch) return differ(path, observed, desired);
  // Same elements (by key): compare each declared element with its partner, at the spec's index.
  const out: Comparison = { differences: [], ops: [], view: [] };
  desired.forEach((d, i) => {
    const j = pairs[i];
    const r = compare(k.element, d, j === undefined ? undefined : obs[j], [...path, i], ctx);
    out.differences.push(...r.differences);
    out.ops.push(...r.ops);
    (out.view as unknown[]).push(r.view);
  });
  if (observed === undefined) out.view = undefined;
  return out;
}

export interface ElementPairing {
  pairs: Pairs;
  /** Every declared element equals (on its declared fields) a distinct observed one, none left over. */
  inSync: boolean;
  /** Every declared element has a distinct observed element with the same key, none left over. */
  keysMatch: boolean;
}

/** Pairs declared elements with observed ones: equal partners first, then partners with the same key. */
export function pairElements(
  k: Extract<Kind, { kind: "keyed" }>,
  desired: readonly unknown[],
  observed: readonly unknown[],
  ctx: CompareContext,
): ElementPairing {
  const equalMemo = new Map<string, boolean>();
  const equal = (i: number, j: number): boolean => {
    const id = `${i}:${j}`;
    let e = equalMemo.get(id);
    if (e === undefined) {
      e = compare(k.element, desired[i], observed[j], [], ctx).differences.length === 0;
      equalMemo.set(id, e);
    }
    return e;
  };
  const sameKey = (i: number, j: number): boolean => {
    const keys = k.keys.filter((p) => valueAt(desired[i], p) !== undefined);
    // No declared key: the element is known by all its declared fields.
    if (keys.length === 0) return equal(i, j);
    return keys.every((p) => valueAt(desired[i], p) === valueAt(observed[j], p));
  };
  const n = desired.length;
  const m = observed.length;
  const equalPairs = maximumMatching(n, m, (i, j) => sameKey(i, j) && equal(i, j));
  if (isPerfect(equalPairs, m)) return { pairs: equalPairs, inSync: true, keysMatch: true };
  const keyPairs = maximumMatching(n, m, sameKey, equalPairs);
  return { pairs: keyPairs, inSync: false, keysMatch: isPerfect(keyPairs, m) };
}
