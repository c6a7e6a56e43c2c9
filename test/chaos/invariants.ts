/**
 * What must hold once the faults stop and the operator has had time to converge (issue #7): checked from the
 * outside, on what a user can see: the resources' status, the profiles in SageMaker, and SageMaker's mutation log.
 */

import { DEMO_DOMAIN } from "@sagemaker-profile-operator/local-stack/stack";
import type { DescribeUserProfileResponse } from "../../src/api/generated/sagemaker-shapes.js";
import { profileName, type SageMakerUserProfile } from "../../src/api/types.js";
import { computeDrift } from "../../src/drift/index.js";
import { type Cluster, generationOfRole, isReadyAtLatest } from "./cluster.js";

export interface Violation {
  invariant: string;
  resource: string;
  detail: string;
}

export const INVARIANTS = [
  "converged",
  "in-sync",
  "created-once",
  "no-revert",
  "deleted",
  "no-stuck-reconciling",
  "no-stray-profile",
] as const;

export async function checkInvariants(cluster: Cluster): Promise<Violation[]> {
  const out: Violation[] = [];
  const v = (invariant: (typeof INVARIANTS)[number], resource: string, detail: string) =>
    out.push({ invariant, resource, detail });
  const sm = cluster.stack.sagemaker;
  const items = new Map((await cluster.list()).map((o) => [o.metadata.name, o] as const));
  const mutations = sm.mutations();

  for (const [name, generation] of cluster.latest) {
    const obj = items.get(name);
    if (cluster.deleted.has(name)) {
      // No orphaned finalizer, and the profile went with the resource (deletionPolicy Delete).
      if (obj) v("deleted", name, `still present (finalizers ${JSON.stringify(obj.metadata.finalizers ?? [])})`);
      if (sm.store.getProfile(DEMO_DOMAIN, name)) v("deleted", name, "profile still exists in SageMaker");
      continue;
    }
    if (!obj) {
      v("converged", name, "resource missing");
      continue;
    }
    if (obj.metadata.generation !== generation)
      v("converged", name, `generation ${obj.metadata.generation}, expected ${generation}`);
    if (!isReadyAtLatest(obj))
      v("converged", name, `not Ready at generation ${obj.metadata.generation}: ${conds(obj)}`);
    if (obj.status?.conditions?.some((c) => c.type === "Reconciling" && c.status === "True"))
      v("no-stuck-reconciling", name, conds(obj));
    const observed = sm.store.describeProfile(DEMO_DOMAIN, profileName(obj)) as DescribeUserProfileResponse | undefined;
    if (!observed) v("in-sync", name, "no profile in SageMaker");
    else {
      const drift = computeDrift(obj.spec, profileName(obj), observed, { domainSecurityGroups: [] });
      if (drift.drifted) v("in-sync", name, `drift: ${drift.fields.join(", ")}`);
    }
  }

  // Per profile, in the order SageMaker accepted them: at most one create, and never a spec older than one
  // already written (the execution role names the spec's generation).
  const byProfile = new Map<string, typeof mutations>();
  for (const m of mutations) {
    const name = String(m.request.UserProfileName ?? "");
    if (!name) continue;
    byProfile.set(name, [...(byProfile.get(name) ?? []), m]);
  }
  for (const [name, ms] of byProfile) {
    const creates = ms.filter((m) => m.op === "CreateUserProfile");
    if (creates.length > 1)
      v("created-once", name, `${creates.length} creates, by ${creates.map((m) => m.caller).join(", ")}`);
    let newest = 0;
    for (const m of ms) {
      if (m.op !== "CreateUserProfile" && m.op !== "UpdateUserProfile") continue;
      const settings = m.request.UserSettings as { ExecutionRole?: string } | undefined;
      const g = generationOfRole(settings?.ExecutionRole);
      if (g === undefined) continue;
      if (g < newest) v("no-revert", name, `${m.op} by ${m.caller} wrote generation ${g} after ${newest}`);
      newest = Math.max(newest, g);
    }
  }
  for (const name of cluster.latest.keys())
    if (!cluster.deleted.has(name) && !byProfile.get(name)?.some((m) => m.op === "CreateUserProfile"))
      v("created-once", name, "never created");

  const live = [...cluster.latest.keys()].filter((n) => !cluster.deleted.has(n)).length;
  if (sm.store.profileCount() !== live)
    v("no-stray-profile", "*", `${sm.store.profileCount()} profiles in SageMaker for ${live} resources`);
  return out;
}

const conds = (obj: SageMakerUserProfile) =>
  (obj.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`).join(" ");
