/**
 * The emulator's STS: who signed a request (an access key it issued maps to the assumed role's account; any other
 * key is a principal of the default account, unless the admin named it), roles with a settable trust policy, and
 * AssumeRole / GetCallerIdentity. Sources: the STS API reference (AssumeRole, GetCallerIdentity) and the IAM User
 * Guide (role trust policies, `sts:ExternalId`, `sts:TagSession`, maximum session duration, role chaining).
 */
import { ApiError } from "./errors.js";
import { type Random, randomId } from "./rng.js";
import { type AssumeRoleInput, MAX_DURATION_SECONDS } from "./sts-validation.js";

/** A role the emulator knows, with the parts of its trust policy the emulator evaluates. */
export interface AdminRoleSpec {
  /** `arn:aws:iam::<12 digits>:role/<path/name>`; its account owns the sessions. */
  arn: string;
  /**
   * Principals the trust policy names: an IAM ARN (user, role), or an account (`arn:aws:iam::<acct>:root` or the
   * bare 12 digits), which trusts every principal of that account. Empty: nobody may assume the role.
   */
  trustedPrincipals: string[];
  /** The trust policy's `sts:ExternalId` condition: the value AssumeRole must carry. */
  externalId?: string;
  /** The trust policy allows `sts:TagSession` (session tags); default false, so tags are refused. */
  allowSessionTags?: boolean;
  /** The role's MaxSessionDuration (3600 to 43200 s); default 3600. */
  maxSessionDurationSeconds?: number;
}

/** Who a request was signed by. */
export interface CallerIdentity {
  account: string;
  /** `arn:aws:iam::<acct>:user/<name>` or `arn:aws:sts::<acct>:assumed-role/<role>/<session>`. */
  arn: string;
  userId: string;
  /** The role behind an assumed-role session (for the role-chaining limit). */
  roleArn?: string;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch ms. */
  expiration: number;
}

interface Session extends IssuedCredentials {
  identity: CallerIdentity;
  tags: Array<{ key: string; value: string }>;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
const DEFAULT_MAX_SESSION_SECONDS = 3600;
const ROLE_CHAINING_MAX_SECONDS = 3600;

export class SecurityTokenService {
  private readonly roles = new Map<string, Required<Omit<AdminRoleSpec, "externalId">> & { externalId?: string }>();
  private readonly sessions = new Map<string, Session>();
  private readonly identities = new Map<string, string>();
  /** Admin: every issued credential lives at most this long, whatever DurationSeconds asked (expiry tests). */
  credentialLifetimeSeconds: number | undefined;

  constructor(
    private readonly defaultAccount: string,
    private readonly now: () => number,
    private readonly random: Random,
  ) {}

  setRole(spec: AdminRoleSpec): void {
    const m = ROLE_ARN.exec(spec.arn);
    if (!m) throw new ApiError("BadRequest", `not a role ARN: ${spec.arn}`);
    const max = spec.maxSessionDurationSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
    if (!Number.isInteger(max) || max < 3600 || max > MAX_DURATION_SECONDS)
      throw new ApiError("BadRequest", "maxSessionDurationSeconds must be 3600..43200");
    this.roles.set(spec.arn, {
      arn: spec.arn,
      trustedPrincipals: [...spec.trustedPrincipals],
      allowSessionTags: spec.allowSessionTags ?? false,
      maxSessionDurationSeconds: max,
      ...(spec.externalId !== undefined ? { externalId: spec.externalId } : {}),
    });
  }

  removeRole(arn: string): boolean {
    return this.roles.delete(arn);
  }

  listRoles(): AdminRoleSpec[] {
    return structuredClone([...this.roles.values()]);
  }

  /** Admin: the principal ARN an access key (not issued here) signs as; its account is the ARN's. */
  setIdentity(accessKeyId: string, arn: string): void {
    if (!/^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/.test(arn)) throw new ApiError("BadRequest", `not an IAM ARN: ${arn}`);
    this.identities.set(accessKeyId, arn);
  }

  /**
   * The identity behind a signature. Keys this STS issued must come with their session token and be unexpired
   * (`ExpiredToken` / invalid token otherwise, in the calling protocol's words); other keys are the admin-named
   * principal, or `arn:aws:iam::<default account>:user/<key>`.
   */
  identify(accessKeyId: string, sessionToken: string | undefined, protocol: "json" | "query"): CallerIdentity {
    const session = this.sessions.get(accessKeyId);
    if (session) {
      if (sessionToken !== session.sessionToken) throw invalidToken(protocol);
      if (this.now() >= session.expiration)
        throw new ApiError(
          protocol === "json" ? "ExpiredTokenException" : "ExpiredToken",
          "The security token included in the request is expired",
          403,
        );
      return session.identity;
    }
    // A temporary key (ASIA...) or a session token the emulator did not issue cannot be checked: refused.
    if (accessKeyId.startsWith("ASIA") || sessionToken !== undefined) throw invalidToken(protocol);
    const arn = this.identities.get(accessKeyId) ?? `arn:aws:iam::${this.defaultAccount}:user/${accessKeyId}`;
    return { account: arn.split(":")[4] ?? this.defaultAccount, arn, userId: `AIDA${hash(arn)}` };
  }

  assumeRole(
    caller: CallerIdentity,
    input: AssumeRoleInput,
  ): IssuedCredentials & { assumedRoleArn: string; assumedRoleId: string } {
    const role = this.roles.get(input.roleArn);
    const denied = () =>
      new ApiError(
        "AccessDenied",
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.roleArn}`,
        403,
      );
    if (!role || !trusts(role.trustedPrincipals, caller)) throw denied();
    if (role.externalId !== undefined && input.externalId !== role.externalId) throw denied();
    if (input.tags.length > 0 && !role.allowSessionTags)
      throw new ApiError(
        "AccessDenied",
        `User: ${caller.arn} is not authorized to perform: sts:TagSession on resource: ${input.roleArn}`,
        403,
      );
    const requested = input.durationSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
    if (caller.roleArn !== undefined && requested > ROLE_CHAINING_MAX_SECONDS)
      throw new ApiError(
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        400,
      );
    if (requested > role.maxSessionDurationSeconds)
      throw new ApiError(
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
      );
    const lifetime = Math.min(requested, this.credentialLifetimeSeconds ?? requested);
    const account = ROLE_ARN.exec(role.arn)?.[1] ?? this.defaultAccount;
    const roleName = ROLE_ARN.exec(role.arn)?.[2] ?? "role";
    const roleId = `AROA${hash(role.arn)}`;
    const assumedRoleArn = `arn:aws:sts::${account}:assumed-role/${roleName}/${input.roleSessionName}`;
    const credentials: IssuedCredentials = {
      accessKeyId: `ASIA${this.token(16)}`,
      secretAccessKey: this.token(40),
      // Shaped like STS's (a long base64 blob starting "IQoJb3JpZ2luX2Vj"), so log scrubbing is tested on the real form.
      sessionToken: `IQoJb3JpZ2luX2Vj${randomId(this.random, 340, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}`,
      // STS answers whole seconds (ISO 8601 without milliseconds).
      expiration: Math.floor(this.now() / 1000) * 1000 + lifetime * 1000,
    };
    this.sessions.set(credentials.accessKeyId, {
      ...credentials,
      identity: {
        account,
        arn: assumedRoleArn,
        userId: `${roleId}:${input.roleSessionName}`,
        roleArn: role.arn,
      },
      tags: input.tags,
    });
    this.forgetExpired();
    return { ...credentials, assumedRoleArn, assumedRoleId: `${roleId}:${input.roleSessionName}` };
  }

  /** Sessions issued and not expired, for assertions (no secrets). */
  activeSessions(): Array<{ accessKeyId: string; arn: string; expiration: number; tags: Session["tags"] }> {
    const now = this.now();
    return [...this.sessions.values()]
      .filter((s) => s.expiration > now)
      .map((s) => ({ accessKeyId: s.accessKeyId, arn: s.identity.arn, expiration: s.expiration, tags: s.tags }));
  }

  private forgetExpired(): void {
    // Kept an hour past expiry so a late call still reads "expired", not "invalid".
    const horizon = this.now() - 3_600_000;
    for (const [key, s] of this.sessions) if (s.expiration < horizon) this.sessions.delete(key);
  }

  private token(length: number): string {
    return randomId(this.random, length, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  }
}

/** The trust policy's Principal: the caller's ARN (an assumed role is matched by its role's ARN) or its account. */
function trusts(principals: string[], caller: CallerIdentity): boolean {
  return principals.some(
    (p) =>
      p === caller.arn ||
      (caller.roleArn !== undefined && p === caller.roleArn) ||
      p === caller.account ||
      p === `arn:aws:iam::${caller.account}:root`,
  );
}

function invalidToken(protocol: "json" | "query"): ApiError {
  return new ApiError(
    protocol === "json" ? "UnrecognizedClientException" : "InvalidClientTokenId",
    "The security token included in the request is invalid.",
    403,
  );
}

function hash(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ (c.codePointAt(0) ?? 0), 16777619) >>> 0;
  return `${h.toString(36).toUpperCase().padStart(8, "0").slice(0, 8)}EXAMPLE`;
}
