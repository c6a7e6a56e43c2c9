/**
 * Separate SageMaker state per account and region, as AWS keeps it: a domain in one account or region is invisible
 * from another. The account is the signer's (an assumed role's credentials map to the role's account, sts.ts); the
 * region is the SigV4 credential scope's. Each partition also has its own throttle buckets, since SageMaker's rate
 * limits are per account and region.
 */
import { Store, type StoreConfig } from "./store.js";
import { Throttle } from "./throttle.js";
import type { ThrottleConfig } from "./types.js";

export interface Partition {
  account: string;
  region: string;
  store: Store;
  throttle: Throttle | undefined;
  /** A throttle set for this partition alone (else the emulator-wide one applies). */
  ownThrottle: boolean;
}

/** `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...` -> its parts. */
export interface SignatureScope {
  accessKeyId: string;
  region: string;
  service: string;
}

export function signatureScope(authorization: string | undefined): SignatureScope | undefined {
  const m = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(authorization ?? "");
  if (!m) return undefined;
  return { accessKeyId: m[1] as string, region: m[2] as string, service: m[3] as string };
}

export class Partitions {
  private readonly byKey = new Map<string, Partition>();
  private throttleConfig: ThrottleConfig | undefined;

  constructor(
    /** The default account and region's store: the one every call reached before there were accounts. */
    readonly home: Store,
    private readonly now: () => number,
    throttle: ThrottleConfig | undefined,
  ) {
    this.byKey.set(key(home.config.accountId, home.config.region), {
      account: home.config.accountId,
      region: home.config.region,
      store: home,
      throttle: undefined,
      ownThrottle: false,
    });
    this.setThrottle(throttle);
  }

  /** The partition of an account and region, created empty on first use. */
  get(account: string, region: string): Partition {
    const k = key(account, region);
    let p = this.byKey.get(k);
    if (!p) {
      // The modes, delays and limits are shared (one object per emulator); the ARNs are the partition's own.
      const config: StoreConfig = Object.create(this.home.config, {
        accountId: { value: account, enumerable: true },
        region: { value: region, enumerable: true },
      });
      p = {
        account,
        region,
        store: new Store(config),
        throttle: this.throttleConfig && new Throttle(this.throttleConfig, this.now()),
        ownThrottle: false,
      };
      this.byKey.set(k, p);
    }
    return p;
  }

  all(): Partition[] {
    return [...this.byKey.values()];
  }

  /** The emulator-wide throttle: each partition gets its own buckets of this size (except those set alone). */
  setThrottle(config: ThrottleConfig | undefined | null): void {
    this.throttleConfig = config ?? undefined;
    for (const p of this.byKey.values())
      if (!p.ownThrottle) p.throttle = config ? new Throttle(config, this.now()) : undefined;
  }

  /** One partition's throttle; `null` returns it to the emulator-wide one. */
  setPartitionThrottle(account: string, region: string, config: ThrottleConfig | null): void {
    const p = this.get(account, region);
    p.ownThrottle = config !== null;
    const effective = config ?? this.throttleConfig;
    p.throttle = effective ? new Throttle(effective, this.now()) : undefined;
  }
}

const key = (account: string, region: string) => `${account}/${region}`;
