/**
 * Whose the operator's own credentials are: STS GetCallerIdentity's account (no IAM permission needed), with the
 * operator's region, for profiles decided to the operator's own identity (no SageMakerAccount exists) that an ARN pins
 * to an account (src/reconciler/pinned.ts). Asked once, when first needed, as credentials of one Pod stay in one
 * account; a failure is an answer (`unknown`, so the planner refuses rather than guesses) until `retryMs` has passed,
 * then the next caller asks again. Callers share the one call. With `accountId` configured (--aws-account-id, for a
 * Pod that cannot reach STS), that is the answer and STS is never asked.
 */
import { isAccountId, type OwnIdentity } from "../accounts/index.js";
import { type Clock, type Logger, untilAborted } from "../kube/index.js";
import type { CallerIdentity } from "../sagemaker/index.js";
import { errorSummary } from "./log.js";

/** How long the one GetCallerIdentity may take before it counts as failed. */
const TIMEOUT_MS = 10_000;

export interface OwnIdentityOptions {
  /** GetCallerIdentity with the operator's own credentials. */
  whoAmI(signal: AbortSignal): Promise<CallerIdentity>;
  region: string;
  /** The account, when configured: STS is not asked. */
  accountId?: string;
  retryMs: number;
  clock: Clock;
  log: Logger;
}

export class OwnIdentityCache {
  private current: { identity: Promise<OwnIdentity>; settled?: boolean; failedAt?: number } | undefined;
  /** The account once known (for synchronous readers: the List resync's domains). */
  accountId: string | undefined;

  constructor(private readonly o: OwnIdentityOptions) {
    if (o.accountId !== undefined) {
      this.accountId = o.accountId;
      this.current = { identity: Promise.resolve({ accountId: o.accountId, region: o.region }), settled: true };
    }
  }

  get(signal?: AbortSignal): Promise<OwnIdentity> {
    const failedAt = this.current?.failedAt;
    if (!this.current || (failedAt !== undefined && this.o.clock.now() - failedAt >= this.o.retryMs))
      this.current = this.ask();
    // Settled (every reconcile after the first): no abort listener to add and remove (some microseconds each).
    return this.current.settled ? this.current.identity : untilAborted(this.current.identity, signal);
  }

  private ask(): NonNullable<typeof this.current> {
    const entry: NonNullable<typeof this.current> = { identity: Promise.resolve({ unknown: "not asked yet" }) };
    const failed = (why: string): OwnIdentity => {
      entry.failedAt = this.o.clock.now();
      this.o.log.warn({ why }, "the operator's own account is not known: profiles pinned by an ARN wait");
      return { unknown: why };
    };
    entry.identity = this.o.whoAmI(AbortSignal.timeout(TIMEOUT_MS)).then(
      (me): OwnIdentity => {
        entry.settled = true;
        if (!isAccountId(me.account)) return failed(`GetCallerIdentity answered account "${me.account}"`);
        this.accountId = me.account;
        return { accountId: me.account, region: this.o.region };
      },
      (err: unknown): OwnIdentity => {
        entry.settled = true;
        const e = errorSummary(err) as { name?: string; message?: string };
        return failed(`GetCallerIdentity failed: ${e.name ?? "Error"}: ${e.message ?? String(err)}`);
      },
    );
    return entry;
  }
}
