/**
 * The profile's tags: declared tags are set, tags the resource declared before and no longer does are removed, and
 * nothing else is touched: the owner tag and `aws:` keys (in any case) are never set or removed here, whatever the spec
 * or the status says, and tags of other tools are left alone. Pure.
 */
import type { DescribeUserProfileResponse, Tag } from "../api/generated/sagemaker-shapes.js";
import { isReservedTagKey, type SageMakerUserProfile } from "../api/types.js";
import type { Step } from "./plan-types.js";

type Profile = Pick<SageMakerUserProfile, "metadata" | "spec" | "status">;

export interface TagChanges {
  add: Tag[];
  remove: string[];
}

export const declaredTagKeys = (resource: Profile): string[] => (resource.spec.tags ?? []).map((t) => t.key).sort();

/**
 * Whether tags are compared (one ListTags): when the spec changed or the resource is not yet in sync, not on every
 * resync, and only when it declares tags or declared some before.
 */
export function comparesTags(resource: Profile, profile: DescribeUserProfileResponse): boolean {
  const settled =
    resource.status?.observedGeneration === resource.metadata.generation &&
    resource.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
  if (settled || !profile.UserProfileArn) return false;
  return (resource.spec.tags ?? []).length > 0 || (resource.status?.managedTagKeys ?? []).length > 0;
}

/** Tags to add and keys to delete given the profile's tags; undefined when they already match. */
export function tagChanges(resource: Profile, live: readonly Tag[]): TagChanges | undefined {
  // The API server refuses reserved keys in the spec; status (managedTagKeys) can be forged by whoever writes it.
  const declared = (resource.spec.tags ?? []).filter((t) => !isReservedTagKey(t.key));
  const previous = resource.status?.managedTagKeys ?? [];
  const values = new Map(live.map((t) => [t.Key, t.Value]));
  const add = declared.filter((t) => values.get(t.key) !== t.value).map((t) => ({ Key: t.key, Value: t.value }));
  const keep = new Set(declared.map((t) => t.key));
  const remove = previous.filter((k) => !keep.has(k) && !isReservedTagKey(k) && values.has(k));
  return add.length || remove.length ? { add, remove } : undefined;
}

/** DeleteTags, AddTags and the TagsUpdated event, in that order. */
export function tagSteps(arn: string, changes: TagChanges | undefined): Step[] {
  if (!changes) return [];
  const steps: Step[] = [];
  if (changes.remove.length) steps.push({ call: { op: "DeleteTags", arn, keys: changes.remove } });
  if (changes.add.length) steps.push({ call: { op: "AddTags", arn, tags: changes.add } });
  const note = [
    changes.add.length ? `set ${changes.add.map((t) => t.Key).join(", ")}` : "",
    changes.remove.length ? `removed ${changes.remove.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
  steps.push({ event: { type: "Normal", reason: "TagsUpdated", note } });
  return steps;
}
