/**
 * How SageMaker applies an UpdateUserProfile request to the stored UserSettings, as a pure function so the emulator
 * and the drift engine's tests agree on one definition.
 */
import type { UserSettings } from "../api/generated/sagemaker-shapes.js";

/**
 * Merge semantics of `UpdateUserProfile`:
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
