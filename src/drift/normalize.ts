/** Bringing desired and observed values into one comparable form: spec field names, no nulls, no unknown members. */

import type { UserSettings } from "../api/generated/sagemaker-shapes.js";
import { userSettingsFromSageMaker } from "../api/mapping.js";
import { isRecord, kindOf } from "./shapes.js";

/**
 * A spec-form value of the given shape without `null`/`undefined` members or list items and without members the
 * model does not know. `null` in a manifest means "not declared", like an absent field.
 */
export function clean(shapeName: string, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  const k = kindOf(shapeName);
  if (k.kind === "struct") {
    if (!isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    for (const m of k.members) {
      const v = clean(m.shape, value[m.spec]);
      if (v !== undefined) out[m.spec] = v;
    }
    return out;
  }
  if (k.kind === "set" || k.kind === "keyed") {
    if (!Array.isArray(value)) return value;
    const element = k.kind === "keyed" ? k.element : undefined;
    return value.filter((v) => v !== null && v !== undefined).map((v) => (element ? clean(element, v) : v));
  }
  return value;
}

/** The observed UserSettings in spec form (members the model does not know are dropped), or undefined. */
export function observedSpec(wire: UserSettings | undefined): Record<string, unknown> | undefined {
  if (!isRecord(wire)) return undefined;
  return clean("UserSettings", userSettingsFromSageMaker(wire)) as Record<string, unknown>;
}

/** Lists of strings or enums are sets: order and repetition carry no meaning. */
export function sameSet(a: readonly unknown[], b: readonly unknown[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const v of sa) if (!sb.has(v)) return false;
  return true;
}

/** The value at a path of member names, or undefined. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const p of path) {
    if (!isRecord(v)) return undefined;
    v = v[p];
  }
  return v;
}
