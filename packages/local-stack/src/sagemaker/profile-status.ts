/**
 * The user-profile statuses and which actions each allows: the status life cycle's rules, apart from the store that
 * applies them.
 */
import type { UserProfileStatus } from "../../../../src/api/generated/sagemaker-shapes.js";
import { inUse } from "./errors.js";
import type { ProfileRecord } from "./records.js";

/** Statuses that settle by themselves after a delay. */
export const TRANSITIONAL: ReadonlySet<UserProfileStatus> = new Set(["Pending", "Updating", "Deleting"]);
const UPDATABLE: ReadonlySet<UserProfileStatus> = new Set(["InService", "Update_Failed"]);
const DELETABLE: ReadonlySet<UserProfileStatus> = new Set(["InService", "Failed", "Update_Failed", "Delete_Failed"]);

/**
 * Update and Delete are refused while a change is in flight (Pending, Updating, Deleting: the statuses ACK's
 * sagemaker-controller waits out), and both for admin-injected `inUseFor` calls (the store also refuses Delete while
 * apps or owned spaces exist: studio.ts).
 * Running apps do not block an update. Failed states stay actionable (Update_Failed can be updated again, any failed
 * profile can be deleted), or a failed profile could never be repaired.
 */
export function assertMutable(rec: ProfileRecord, action: "update" | "delete"): void {
  const what = `user profile ${rec.name} in domain ${rec.domainId}`;
  if (rec.inUseFor > 0) {
    rec.inUseFor--;
    throw inUse(`Unable to ${action} ${what}: the resource is in use by another operation`);
  }
  const allowed = action === "update" ? UPDATABLE : DELETABLE;
  if (!allowed.has(rec.status)) throw inUse(`Unable to ${action} ${what} because it is in ${rec.status} status`);
}
