/**
 * A profile is handled only with an identity of the account and region it lives in. Its ARN says where: the status
 * (`status.userProfileArn`), or this process's memory of its create while the status does not have it yet. Without
 * any SageMakerAccount the account decision is the operator's own identity whatever an ARN says, so a spoke's profile
 * whose SageMakerAccount was deleted would be described, created or deleted in the hub's account (where a domain of
 * the same id, or a profile of the same name, may exist). Pure: the reconciler supplies the own identity.
 */
import { ACCOUNT_KIND, type AccountDecision, parseArn } from "../accounts/index.js";
import type { SageMakerUserProfile } from "../api/types.js";
import type { OwnershipMemory } from "./ownership.js";
import type { PlanContext } from "./plan-types.js";

/** The ARN of the profile where one is known (status, or this process's memory of its create). */
export const pinnedArn = (resource: SageMakerUserProfile, owned: OwnershipMemory | undefined): string | undefined =>
  resource.status?.userProfileArn || owned?.arn || undefined;

/**
 * Whether this reconcile may call with the identity its account decision gives: undefined if so (no ARN pins the
 * profile, or the identity is of the ARN's account and region), else the refusal. No decision (no account port: `diff
 * --live`) is not checked. The operator's own identity is compared with `ctx.ownIdentity`, and refused while that is
 * not known (never guessed).
 */
export function pinnedRefusal(
  resource: SageMakerUserProfile,
  ctx: PlanContext,
): Exclude<AccountDecision, { ok: true }> | undefined {
  const decision = ctx.account;
  if (decision?.ok !== true) return undefined;
  const arn = pinnedArn(resource, ctx.owned);
  const pinned = parseArn(arn);
  if (arn === undefined || pinned === undefined) return undefined;
  const { target } = decision;
  if (target) {
    // resolveAccount refuses a status ARN of another account; this is the create's ARN the status lacks.
    if (target.accountId === pinned.accountId && target.region === pinned.region) return undefined;
    return {
      ok: false,
      reason: "AccountMismatch",
      message: `the profile exists as ${arn}, but this resource now resolves to account ${target.accountId} in ${target.region}: a profile never moves between accounts or regions`,
    };
  }
  const own = ctx.ownIdentity;
  if (own === undefined || "unknown" in own)
    return {
      ok: "unknown",
      message: `the profile exists as ${arn} and no ${ACCOUNT_KIND} exists: the operator's own account is not known yet${own ? ` (${own.unknown})` : ""}, so it is not used`,
    };
  if (own.accountId !== pinned.accountId)
    return {
      ok: false,
      reason: "PinnedAccountNotFound",
      message: `the profile exists as ${arn}, in account ${pinned.accountId}, and no ${ACCOUNT_KIND} declares that account: the operator's own identity (account ${own.accountId}) is not used for it; apply a ${ACCOUNT_KIND} with accountId ${pinned.accountId}`,
    };
  if (own.region !== pinned.region)
    return {
      ok: false,
      reason: "RegionNotAllowed",
      message: `the profile exists as ${arn}, in region ${pinned.region}, and no ${ACCOUNT_KIND} lists it: without one the operator serves only ${own.region}`,
    };
  return undefined;
}
