/**
 * The UpdateUserProfile request for a drift. SageMaker replaces every top-level UserSettings member the request
 * carries wholesale (see mergeUserSettingsUpdate), so each drifted member is sent as the observed block with the
 * declared fields laid over it: what the spec leaves out keeps its current (often server-filled) value. Except where
 * SageMaker checks members together (member-groups.ts): an observed member that does not go with the declared ones
 * is left out, or sent as its documented clearing value, and reported in `dropped`.
 */

import type { UpdateUserProfileRequest } from "../api/generated/sagemaker-shapes.js";
import { userSettingsToSageMaker } from "../api/mapping.js";
import type { SpecUserSettings } from "../api/types.js";
import { pairElements, pointer, type Segment } from "./compare.js";
import { type Block, CLEARED, groupsOf, type MemberGroup } from "./member-groups.js";
import { isRecord, type Kind, kindOf, userSettingsMembers } from "./shapes.js";

/** An observed member the update does not carry because SageMaker checks it together with declared members. */
export interface DroppedMember {
  /** JSON pointer into the spec, e.g. `/userSettings/rStudioServerProAppSettings/userGroup`. */
  path: string;
  /** The observed value left out. */
  observed: unknown;
  /** Set when a declared member is left out (inert: SageMaker does not take it in the declared combination). */
  declared?: unknown;
  /** What the request carries instead (a documented clearing value), when anything. */
  sent?: string;
  /** The member group (member-groups.ts) and why. */
  group: string;
  reason: string;
}

/**
 * The desired value laid over the observed one. Structures merge member by member (a union keeps only the member
 * the spec chose); a declared list replaces the observed one, each declared element of a list of structures being
 * laid over the observed element with the same key, so an element's server-filled fields survive too. Observed
 * members that SageMaker would refuse (or ignore) next to the declared ones are left out and added to `dropped`.
 */
export function overlay(
  shapeName: string,
  observed: unknown,
  desired: unknown,
  path: Segment[] = [],
  dropped: DroppedMember[] = [],
): unknown {
  if (desired === undefined) return observed;
  const k = kindOf(shapeName);
  if (k.kind === "struct" && isRecord(desired)) {
    const base = isRecord(observed) ? observed : {};
    const chosen = k.union && Object.keys(desired).length > 0;
    const out: Record<string, unknown> = {};
    for (const m of k.members) {
      const v =
        m.spec in desired
          ? overlay(m.shape, base[m.spec], desired[m.spec], [...path, m.spec], dropped)
          : chosen
            ? undefined
            : base[m.spec];
      if (v !== undefined) out[m.spec] = v;
    }
    for (const g of groupsOf(shapeName)) leaveOutStale(g, k, desired, base, out, path, dropped);
    return out;
  }
  if (k.kind === "keyed" && Array.isArray(desired)) {
    const obs = Array.isArray(observed) ? observed : [];
    const { pairs } = pairElements(k, desired, obs, {});
    return desired.map((d, i) => {
      const j = pairs[i];
      return overlay(k.element, j === undefined ? undefined : obs[j], d, [...path, i], dropped);
    });
  }
  return desired;
}

/** `out` (spec form) without the observed members of group `g` that must not go with the declared ones. */
function leaveOutStale(
  g: MemberGroup,
  k: Extract<Kind, { kind: "struct" }>,
  desired: Record<string, unknown>,
  observed: Record<string, unknown>,
  out: Record<string, unknown>,
  path: Segment[],
  dropped: DroppedMember[],
): void {
  const members = k.members.filter((m) => g.members.includes(m.wire));
  const wire = (rec: Record<string, unknown>): Block =>
    Object.fromEntries(members.filter((m) => rec[m.spec] !== undefined).map((m) => [m.wire, rec[m.spec]]));
  const declared = wire(desired);
  if (Object.keys(declared).length === 0) return; // the spec leaves the group alone: it stays as observed
  const seen = wire(observed);
  const candidate = (member: string) =>
    declared[member] === undefined && seen[member] !== undefined && seen[member] !== CLEARED;
  const stale = new Map(
    g
      .stale(declared, seen)
      .filter((s) => candidate(s.member))
      .map((s) => [s.member, s.reason]),
  );
  for (const m of members) {
    const reason = stale.get(m.wire);
    if (reason === undefined) continue;
    const clear = g.clearWith?.[m.wire];
    if (clear === undefined) delete out[m.spec];
    else out[m.spec] = clear;
    dropped.push({
      path: pointer([...path, m.spec]),
      observed: observed[m.spec],
      ...(clear !== undefined && { sent: clear }),
      group: g.id,
      reason,
    });
  }
}

/**
 * The declared settings without the members SageMaker does not take in the declared combination (a group's `inert`
 * rule), and those members. Spec form in, spec form out; the input is not modified.
 */
export function withoutInert(desired: Record<string, unknown>): {
  desired: Record<string, unknown>;
  inert: DroppedMember[];
} {
  const inert: DroppedMember[] = [];
  const walk = (shapeName: string, value: unknown, path: Segment[]): unknown => {
    const k = kindOf(shapeName);
    if (k.kind === "keyed" && Array.isArray(value)) return value.map((v, i) => walk(k.element, v, [...path, i]));
    if (k.kind !== "struct" || !isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    for (const m of k.members)
      if (value[m.spec] !== undefined) out[m.spec] = walk(m.shape, value[m.spec], [...path, m.spec]);
    for (const g of groupsOf(shapeName)) {
      const members = k.members.filter((m) => g.members.includes(m.wire));
      const declared: Block = Object.fromEntries(
        members.filter((m) => out[m.spec] !== undefined).map((m) => [m.wire, out[m.spec]]),
      );
      for (const { member, reason } of g.inert?.(declared) ?? []) {
        const m = members.find((x) => x.wire === member);
        if (!m) continue;
        inert.push({
          path: pointer([...path, m.spec]),
          observed: undefined,
          declared: out[m.spec],
          group: g.id,
          reason,
        });
        delete out[m.spec];
      }
    }
    return out;
  };
  return { desired: walk("UserSettings", desired, ["userSettings"]) as Record<string, unknown>, inert };
}

export interface UpdatePlan {
  /** UpdateUserProfile input, or null when no block drifted. */
  request: UpdateUserProfileRequest | null;
  /** Observed members of the sent blocks the request leaves out (member groups). */
  dropped: DroppedMember[];
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
): UpdatePlan {
  if (blocks.length === 0) return { request: null, dropped: [] };
  const settings: Record<string, unknown> = {};
  const dropped: DroppedMember[] = [];
  for (const m of userSettingsMembers()) {
    if (!blocks.includes(m.spec)) continue;
    // SecurityGroups is a list: the declared set is sent as is, which is what overlay gives for any list.
    settings[m.spec] = overlay(m.shape, observed?.[m.spec], desired[m.spec], ["userSettings", m.spec], dropped);
  }
  return {
    request: {
      DomainId: domainId,
      UserProfileName: profileName,
      UserSettings: userSettingsToSageMaker(settings as SpecUserSettings),
    },
    dropped,
  };
}
