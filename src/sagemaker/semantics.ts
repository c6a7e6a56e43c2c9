/**
 * How SageMaker applies an UpdateUserProfile request to the stored UserSettings, as pure functions so the emulator
 * and the drift engine's tests agree on one definition. AWS does not document what happens to nested members an
 * update leaves out, so there are two candidate semantics (emulator modes, see docs/fidelity.md); the operator's
 * update request must converge under both.
 */
import type { UserSettings } from "../api/generated/sagemaker-shapes.js";
import { shape } from "../api/model.js";

/**
 * `replace-blocks`: a top-level member the update carries replaces the stored one wholesale.
 * `merge-nested`: structures merge member by member at every depth; lists (and unions) are replaced.
 */
export type UpdateSemantics = "replace-blocks" | "merge-nested";

export const UPDATE_SEMANTICS: readonly UpdateSemantics[] = ["replace-blocks", "merge-nested"];

/** The stored UserSettings after `update`, under the given semantics. Neither input is modified. */
export function applyUserSettingsUpdate(
  semantics: UpdateSemantics,
  current: UserSettings | undefined,
  update: UserSettings | undefined,
): UserSettings {
  return semantics === "merge-nested"
    ? mergeUserSettingsNested(current, update)
    : mergeUserSettingsUpdate(current, update);
}

/**
 * `replace-blocks` semantics of `UpdateUserProfile`:
 * - a top-level `UserSettings` member present in the update replaces the stored member wholesale (nested fields the
 *   update leaves out are NOT kept: sending `JupyterServerAppSettings: {DefaultResourceSpec}` drops the stored
 *   `LifecycleConfigArns` of that block);
 * - a member the update omits (absent, `undefined` or `null`) keeps its stored value;
 * - `[]` is a value like any other, so `SecurityGroups: []` clears the list.
 * This is why the operator sends each drifted block as "observed block with the desired fields laid over it".
 * Neither input is modified; the result shares no objects with them.
 */
export function mergeUserSettingsUpdate(
  current: UserSettings | undefined,
  update: UserSettings | undefined,
): UserSettings {
  const merged = structuredClone(current ?? {}) as Record<string, unknown>;
  for (const [member, value] of Object.entries(update ?? {})) {
    if (value === undefined || value === null) continue;
    merged[member] = structuredClone(value);
  }
  return merged as UserSettings;
}

/**
 * `merge-nested` semantics: like `mergeUserSettingsUpdate` at every depth of structure. A member the update omits
 * (or sends as null) keeps its stored value wherever it sits; a list is a value and replaces the stored list; a
 * union (one member set at a time) is replaced, since merging two different members would make it invalid.
 * Members the model does not know are replaced like lists. Neither input is modified.
 */
export function mergeUserSettingsNested(
  current: UserSettings | undefined,
  update: UserSettings | undefined,
): UserSettings {
  return mergeNested("UserSettings", current ?? {}, update ?? {}) as UserSettings;
}

/** `merge-nested` for a value of any model shape (exported for tests of shapes UserSettings holds only in lists). */
export function mergeNested(shapeName: string | undefined, current: unknown, update: unknown): unknown {
  const s = shapeName === undefined ? undefined : shape(shapeName);
  if (s?.type !== "structure" || s.union === true || !isRecord(update) || !isRecord(current))
    return structuredClone(update);
  const merged = structuredClone(current);
  for (const [member, value] of Object.entries(update)) {
    if (value === undefined || value === null) continue;
    merged[member] = mergeNested(s.members?.[member]?.shape, current[member], value);
  }
  return merged;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
