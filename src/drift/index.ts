/**
 * The drift engine: what differs between a SageMakerUserProfile spec and the profile SageMaker describes, and the
 * requests that repair it. Pure: no I/O, no clock. See docs/architecture.md, "Drift rules".
 */
import type { Operation } from "fast-json-patch";
import type { DescribeUserProfileResponse, UpdateUserProfileRequest } from "../api/generated/sagemaker-shapes.js";
import type { SageMakerUserProfileSpec } from "../api/types.js";
import { compare, pointer } from "./compare.js";
import type { DriftChange } from "./format.js";
import { clean, observedSpec } from "./normalize.js";
import { isRecord, userSettingsMembers } from "./shapes.js";
import { buildUpdateRequest, type DroppedMember, withoutInert } from "./update-request.js";

export { buildCreateRequest } from "./create-request.js";
export { type DriftChange, dottedPath, formatChange } from "./format.js";
export { type DroppedMember, withoutInert } from "./update-request.js";

export interface DriftContext {
  /**
   * Security groups SageMaker adds to every profile of the domain: its DefaultUserSettings.SecurityGroups and the
   * groups it manages itself (SecurityGroupIdForDomainBoundary). Observed, undeclared ones are not drift.
   */
  domainSecurityGroups?: string[];
}

export interface DriftResult {
  drifted: boolean;
  /** RFC 6902 operations turning the observed profile's declared fields into the spec; paths into the spec. */
  patch: Operation[];
  /** JSON pointers of the declared leaves and lists that differ, sorted. */
  fields: string[];
  /** One entry per field, in model order: observed value and declared value. */
  changes: DriftChange[];
  /** Spec names of the drifted top-level userSettings members, in model order. */
  blocks: string[];
  /** UpdateUserProfile input with only the drifted blocks, or null when nothing drifted. */
  updateRequest: UpdateUserProfileRequest | null;
  /**
   * Members the request does not carry because SageMaker checks them together with others (member-groups.ts):
   * declared members it does not take in the declared combination (`declared` set), then observed members of the
   * sent blocks that would conflict with the declared ones; in request order.
   */
  dropped: DroppedMember[];
}

export function computeDrift(
  spec: SageMakerUserProfileSpec,
  profileName: string,
  observed: DescribeUserProfileResponse,
  ctx: DriftContext = {},
): DriftResult {
  const declared = clean("UserSettings", spec.userSettings);
  if (!isRecord(declared)) return inSync();
  // Declared members SageMaker does not take in the declared combination are neither compared nor sent.
  const { desired, inert } = withoutInert(declared);
  const actual = observedSpec(observed.UserSettings);
  const r = compare("UserSettings", desired, actual, ["userSettings"], ctx);
  if (r.differences.length === 0) return { ...inSync(), dropped: inert };

  const changes = r.differences.map((d) => ({ path: pointer(d.path), from: d.from, to: d.to }));
  const drifted = new Set(r.differences.map((d) => d.path[1]));
  const blocks = userSettingsMembers()
    .map((m) => m.spec)
    .filter((name) => drifted.has(name));
  const plan = buildUpdateRequest(spec.domainId, profileName, desired, actual, blocks);
  return {
    drifted: true,
    patch: r.ops,
    fields: [...new Set(changes.map((c) => c.path))].sort(),
    changes,
    blocks,
    updateRequest: plan.request,
    // A member both declared-inert and observed-stale is reported once, as the declared one.
    dropped: [...inert, ...plan.dropped.filter((d) => !inert.some((i) => i.path === d.path))],
  };
}

const inSync = (): DriftResult => ({
  drifted: false,
  patch: [],
  fields: [],
  changes: [],
  blocks: [],
  updateRequest: null,
  dropped: [],
});
