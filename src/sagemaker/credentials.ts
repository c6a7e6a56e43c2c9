/**
 * Credentials of another AWS account: STS AssumeRole through the SDK's own provider (`fromTemporaryCredentials` of
 * @aws-sdk/credential-providers), kept until shortly before they expire and then refreshed, never logged; and
 * GetCallerIdentity, which tells whether they work and whose they are. `AWS_ENDPOINT_URL_STS` is honoured by the SDK
 * when no endpoint is given.
 */
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { type Clock, systemClock } from "../kube/clock.js";

type CredentialsOption = NonNullable<STSClientConfig["credentials"]>;
/** Access key, secret, session token, expiration: the SDK's AwsCredentialIdentity. */
export type AwsCredentialIdentity = Exclude<CredentialsOption, (...args: never[]) => unknown>;
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

export interface AssumedRoleOptions {
  roleArn: string;
  externalId?: string;
  sessionTags?: Array<{ key: string; value: string }>;
  /** Shows in CloudTrail as the session's name. */
  sessionName: string;
  /** Region of the STS endpoint (regional endpoints: the chart sets AWS_STS_REGIONAL_ENDPOINTS=regional). */
  region: string;
  /** Explicit STS endpoint (tests); else AWS_ENDPOINT_URL_STS, else the SDK's. */
  endpoint?: string;
  /** The hub identity that assumes the role; default the SDK's chain (IRSA, Pod Identity). */
  masterCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Asked length of a session; STS allows 900..43200 s, bounded by the role's MaxSessionDuration. Default 3600. */
  durationSeconds?: number;
  clock?: Clock;
}

export interface AssumedRoleCredentials {
  provider: AwsCredentialIdentityProvider;
  /** When the credentials last obtained expire (epoch ms), or undefined before the first AssumeRole. */
  expiry(): number | undefined;
}

/** Refresh this long before expiry at most (the SDK's own window), and at least a quarter of the lifetime before it. */
const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * The SDK's assume-role provider behind a cache that refreshes ahead of expiry: a credential is handed out only while
 * more than its margin (a quarter of its lifetime, at most five minutes) is left, so no call is signed with a
 * credential that expires on the way. Concurrent callers share one AssumeRole.
 */
export function assumedRoleCredentials(o: AssumedRoleOptions): AssumedRoleCredentials {
  const clock = o.clock ?? systemClock;
  const source = fromTemporaryCredentials({
    params: {
      RoleArn: o.roleArn,
      RoleSessionName: o.sessionName,
      DurationSeconds: o.durationSeconds ?? 3600,
      ...(o.externalId !== undefined ? { ExternalId: o.externalId } : {}),
      ...(o.sessionTags?.length ? { Tags: o.sessionTags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
    },
    ...(o.masterCredentials ? { masterCredentials: o.masterCredentials } : {}),
    clientConfig: { region: o.region, ...(o.endpoint ? { endpoint: o.endpoint } : {}), maxAttempts: 3 },
  });
  let current: { identity: AwsCredentialIdentity; refreshAt: number } | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const refresh = async () => {
    const obtainedAt = clock.now();
    const identity = await source();
    const expires = identity.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
    const margin = Math.min(MAX_REFRESH_MARGIN_MS, Math.max(0, (expires - obtainedAt) / 4));
    current = { identity, refreshAt: expires - margin };
    return identity;
  };
  const provider: AwsCredentialIdentityProvider = async () => {
    if (current && clock.now() < current.refreshAt) return current.identity;
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  return { provider, expiry: () => current?.identity.expiration?.getTime() };
}

export interface CallerIdentity {
  account: string;
  arn: string;
}

/** GetCallerIdentity with the given credentials: whose they are (and proof they work). */
export async function getCallerIdentity(
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined,
  region: string,
  endpoint?: string,
  signal?: AbortSignal,
): Promise<CallerIdentity> {
  const client = new STSClient({
    region,
    maxAttempts: 3,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  try {
    const out = await client.send(new GetCallerIdentityCommand({}), signal ? { abortSignal: signal } : {});
    return { account: out.Account ?? "", arn: out.Arn ?? "" };
  } finally {
    client.destroy();
  }
}
