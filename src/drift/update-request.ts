/**
 * The UpdateUserProfile request for a drift. SageMaker replaces every top-level UserSettings member the request
 * carries wholesale (see mergeUserSettingsUpdate), so each drifted member is sent as the observed block with the
 * declared fields laid over it: what the spec leaves out keeps its current (often server-filled) value.
 */

import type { UpdateUserProfileRequest } from "../api/generated/sagemaker-shapes.js";
import { userSettingsToSageMaker } from "../api/mapping.js";
import type { SpecUserSettings } from "../api/types.js";
import { pairElements } from "./compare.js";
import { isRecord, kindOf, userSettingsMembers } from "./shapes.js";

/**
 * The desired value laid over the observed one. Structures merge member by member (a union keeps only the member
 * the spec chose); a declared list replaces the observed one, each declared element of a list of structures being
 * laid over the observed element with the same key, so an element's server-filled fields survive too.
 */
export function overlay(shapeName: string, observed: unknown, desired: unknown): unknown {
  if (desired === undefined) return observed;
  const k = kindOf(shapeName);
  if (k.kind === "struct" && isRecord(desired)) {
    const base = isRecord(observed) ? observed : {};
    const chosen = k.union && Object.keys(desired).length > 0;
    const out: Record<string, unknown> = {};
    for (const m of k.members) {
      const v = m.spec in desired ? overlay(m.shape, base[m.spec], desired[m.spec]) : chosen ? undefined : base[m.spec];
      if (v !== undefined) out[m.spec] = v;
    }
    return out;
  }
  if (k.kind === "keyed" && Array.isArray(desired)) {
    const obs = Array.isArray(observed) ? observed : [];
    const { pairs } = pairElements(k, desired, obs, {});
    return desired.map((d, i) => {
      const j = pairs[i];
      return overlay(k.element, j === undefined ? undefined : obs[j], d);
    });
  }
  return desired;
}

/**
 * UpdateUserProfile input carrying only the drifted top-level members (`blocks`, spec names), or null when none.
 * `desired` and `observed` are clean spec-form UserSettings.
 */
export function buildUpdateRequest(
  domainId: string,
  profileName: string,
  desired: Record<string, unknown>,
  observed: Record<string, unknown> | undefined,
  blocks: readonly string[],
): UpdateUserProfileRequest | null {
  if (blocks.length === 0) return null;
  const settings: Record<string, unknown> = {};
  for (const m of userSettingsMembers()) {
    if (!blocks.includes(m.spec)) continue;
    // SecurityGroups is a list: the declared set is sent as is, which is what overlay gives for any list.
    settings[m.spec] = overlay(m.shape, observed?.[m.spec], desired[m.spec]);
  }
  return {
    DomainId: domainId,
    UserProfileName: profileName,
    UserSettings: userSettingsToSageMaker(settings as SpecUserSettings),
  };
}
