/**
 * Which spec.deletion.cleanup a namespace may use. Deleting a user's apps and spaces destroys work, so it needs an
 * explicit grant: at least one SageMakerProfilePolicy covering the namespace sets `deletionCleanup`, and, as for every
 * other rule, each covering policy that sets it must allow the level (the lowest level set wins). Pure.
 */
import { covers } from "./evaluate.js";
import { POLICY_KIND, type SageMakerProfilePolicy } from "./types.js";

export type CleanupLevel = "None" | "Apps" | "AppsAndSpaces";
const RANK: Record<CleanupLevel, number> = { None: 0, Apps: 1, AppsAndSpaces: 2 };

export type CleanupPermission =
  /** `by`: the policies that set deletionCleanup (empty when none does: the level is then None). */
  | { level: CleanupLevel; by: string[] }
  /** A policy selects namespaces by label and this namespace's labels are not known yet. */
  | { unknown: string };

export function cleanupPermission(input: {
  namespace: string;
  policies: readonly SageMakerProfilePolicy[];
  namespaceLabels: Record<string, string> | undefined;
}): CleanupPermission {
  let level: CleanupLevel | undefined;
  const by: string[] = [];
  for (const policy of [...input.policies].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const allowed = policy.spec?.deletionCleanup;
    if (allowed === undefined || !(allowed in RANK)) continue;
    const covered = covers(policy, input.namespace, input.namespaceLabels);
    if (covered === "unknown")
      return {
        unknown: `${POLICY_KIND}/${policy.metadata.name} selects namespaces by label and the labels of namespace ${input.namespace} are not known yet`,
      };
    if (!covered) continue;
    by.push(`${POLICY_KIND}/${policy.metadata.name}`);
    if (level === undefined || RANK[allowed] < RANK[level]) level = allowed;
  }
  return { level: level ?? "None", by };
}

/** Whether `permitted` allows `wanted`. */
export const permits = (permitted: CleanupLevel, wanted: CleanupLevel): boolean => RANK[wanted] <= RANK[permitted];
