/**
 * Which AWS account and region a profile is managed in (pure): its spec, else the account and region its existing
 * profile ARN was created in (a changed default never moves a profile), else the namespace's account label and the
 * account's defaultRegion, else the one account marked default. With no SageMakerAccount at all, the operator's own
 * identity and region serve every profile, as before accounts existed.
 */
import { selectorMatches } from "../policy/index.js";
import { ACCOUNT_KIND, ACCOUNT_LABEL, type SageMakerAccount } from "./types.js";

export type AccountReason =
  | "AccountNotFound"
  | "AccountNotReady"
  | "AccountNotAllowed"
  | "RegionNotAllowed"
  | "AccountMismatch"
  /** An ARN pins the profile to an account that no SageMakerAccount declares (reconciler/pinned.ts). */
  | "PinnedAccountNotFound";

/** The account object with what its controller concluded. */
export interface AccountState {
  account: SageMakerAccount;
  /** Ready: its credentials answered GetCallerIdentity with its accountId; undefined: not checked yet. */
  ready: boolean | undefined;
  /** Why it is not ready (the STS error), for the profile's message. */
  message?: string;
}

export interface Target {
  /** The SageMakerAccount's name. */
  account: string;
  accountId: string;
  region: string;
}

export type AccountDecision =
  /** `target` unset: no SageMakerAccount exists, the operator's own identity and region apply. */
  | { ok: true; target?: Target }
  | { ok: false; reason: AccountReason; message: string }
  /** The namespace's labels are not cached yet: decide later, call nothing. */
  | { ok: "unknown"; message: string };

/**
 * The account and region the operator's own identity serves (GetCallerIdentity's account, aws.region), or why it is not
 * known: a profile an ARN pins elsewhere must not be handled with it, and it cannot be compared unknown.
 */
export type OwnIdentity = { accountId: string; region: string } | { unknown: string };

export interface AccountInput {
  namespace: string;
  /** undefined when the namespace is not cached. */
  namespaceLabels: Record<string, string> | undefined;
  accountRef?: string;
  region?: string;
  /** status.userProfileArn: where the profile already exists. */
  existingArn?: string;
  /** The operator's own region (aws.region), for the case without any SageMakerAccount. */
  operatorRegion: string;
  accounts: readonly AccountState[];
}

export function resolveAccount(input: AccountInput): AccountDecision {
  const { accounts, namespace } = input;
  if (accounts.length === 0) {
    if (input.accountRef !== undefined)
      return refuse("AccountNotFound", `${ACCOUNT_KIND} ${input.accountRef} does not exist`);
    if (input.region !== undefined && input.region !== input.operatorRegion)
      return refuse(
        "RegionNotAllowed",
        `region ${input.region} needs a ${ACCOUNT_KIND} listing it: without one the operator serves only ${input.operatorRegion}`,
      );
    return { ok: true };
  }
  const existing = parseArn(input.existingArn);
  const byName = (name: string) => accounts.find((a) => a.account.metadata.name === name);
  let state: AccountState | undefined;
  let how: string;
  if (input.accountRef !== undefined) {
    state = byName(input.accountRef);
    how = "spec.accountRef.name";
    if (!state) return refuse("AccountNotFound", `${ACCOUNT_KIND} ${input.accountRef} (${how}) does not exist`);
  } else {
    const label = input.namespaceLabels?.[ACCOUNT_LABEL];
    const pinned = existing && accounts.filter((a) => a.account.spec.accountId === existing.accountId);
    const defaults = accounts.filter((a) => a.account.spec.default === true);
    if (pinned && pinned.length > 0) {
      state = pinned.find((a) => a.account.metadata.name === label) ?? pinned[0];
      how = `the account of ${input.existingArn}`;
    } else if (label !== undefined) {
      state = byName(label);
      how = `label ${ACCOUNT_LABEL} of namespace ${namespace}`;
      if (!state) return refuse("AccountNotFound", `${ACCOUNT_KIND} ${label} (${how}) does not exist`);
    } else if (input.namespaceLabels === undefined) {
      return { ok: "unknown", message: `the labels of namespace ${namespace} are not known yet` };
    } else if (defaults.length === 1) {
      state = defaults[0];
      how = "the default account";
    } else {
      return refuse(
        "AccountNotFound",
        defaults.length > 1
          ? `several ${ACCOUNT_KIND}s are marked default (${names(defaults)}): set spec.accountRef.name or label namespace ${namespace} with ${ACCOUNT_LABEL}`
          : `no account: set spec.accountRef.name, label namespace ${namespace} with ${ACCOUNT_LABEL}, or mark one ${ACCOUNT_KIND} default`,
      );
    }
  }
  const account = (state as AccountState).account;
  const name = account.metadata.name;
  if (input.namespaceLabels === undefined)
    return { ok: "unknown", message: `the labels of namespace ${namespace} are not known yet` };
  if (!selectorMatches(account.spec.namespaceSelector ?? { matchExpressions: [] }, input.namespaceLabels))
    return refuse(
      "AccountNotAllowed",
      `${ACCOUNT_KIND} ${name} (${how}) does not allow namespace ${namespace}: its namespaceSelector does not select it`,
    );
  if ((state as AccountState).ready === undefined)
    return { ok: "unknown", message: `${ACCOUNT_KIND} ${name} has not been checked yet` };
  if (!(state as AccountState).ready)
    return refuse(
      "AccountNotReady",
      `${ACCOUNT_KIND} ${name} is not ready${(state as AccountState).message ? `: ${(state as AccountState).message}` : ""}`,
    );
  const regions = account.spec.regions ?? [];
  const region =
    input.region ??
    (existing && existing.accountId === account.spec.accountId ? existing.region : undefined) ??
    account.spec.defaultRegion ??
    (regions.length === 1 ? regions[0] : undefined);
  if (region === undefined)
    return refuse(
      "RegionNotAllowed",
      `no region: set spec.region (${ACCOUNT_KIND} ${name} allows ${regions.join(", ")} and has no defaultRegion)`,
    );
  if (!regions.includes(region))
    return refuse(
      "RegionNotAllowed",
      `${ACCOUNT_KIND} ${name} does not allow region ${region} (allowed: ${regions.join(", ")})`,
    );
  if (existing && (existing.accountId !== account.spec.accountId || existing.region !== region))
    return refuse(
      "AccountMismatch",
      `the profile exists as ${input.existingArn}, but this resource now resolves to account ${account.spec.accountId} in ${region}: a profile never moves between accounts or regions`,
    );
  return { ok: true, target: { account: name, accountId: account.spec.accountId, region } };
}

const refuse = (reason: AccountReason, message: string): AccountDecision => ({ ok: false, reason, message });
const names = (states: readonly AccountState[]) => states.map((s) => s.account.metadata.name).join(", ");

/** An AWS account id: 12 digits (the SageMakerAccount CRD's accountId pattern). */
export function isAccountId(s: string): boolean {
  return /^[0-9]{12}$/.test(s);
}

/** `arn:<partition>:sagemaker:<region>:<account>:user-profile/...` -> region and account. */
export function parseArn(arn: string | undefined): { region: string; accountId: string } | undefined {
  const parts = arn?.split(":");
  if (!parts || parts.length < 6 || parts[2] !== "sagemaker") return undefined;
  return { region: parts[3] as string, accountId: parts[4] as string };
}
