/**
 * Sharding's pure core: Lease names of shards, how many shards a replica may hold, which it sheds, and which
 * replicas are alive (observed on our own clock, like the LeaderElector: no cross-machine clock comparison).
 */
import { createHash } from "node:crypto";

/** The annotation prefix on the members Lease: one annotation per replica, its value changed at every heartbeat. */
export const MEMBER_ANNOTATION_PREFIX = "shards.sagemaker.gitops.io/";

const shortHash = (s: string, hexChars: number) => createHash("sha256").update(s).digest("hex").slice(0, hexChars);

/** `<id>-shard-<10 hex>`: a shard id (any length, any characters) as a valid, short Lease name. */
export const shardLeaseName = (id: string, shard: string): string => `${id}-shard-${shortHash(shard, 10)}`;

/** The Lease on which replicas publish that they are alive. */
export const membersLeaseName = (id: string): string => `${id}-shard-members`;

/** The annotation key of a replica on the members Lease (its identity may be longer than a key's 63-char name). */
export const memberAnnotation = (identity: string): string => `${MEMBER_ANNOTATION_PREFIX}${shortHash(identity, 16)}`;

/** At most ceil(shards / live replicas) each: every shard can be held while no replica holds more than its part. */
export function shardQuota(shardCount: number, liveReplicas: number): number {
  if (shardCount <= 0) return 0;
  return Math.ceil(shardCount / Math.max(1, liveReplicas));
}

/** The held shards to release so that at most `quota` stay held (the last ones in name order: stable, predictable). */
export function shardsToShed(held: Iterable<string>, quota: number): string[] {
  const sorted = [...held].sort();
  return sorted.slice(Math.max(0, quota));
}

/**
 * Which replicas are alive, from the members Lease's annotations: a replica whose value has not changed for
 * `expireMs` on our clock is gone. A replica first seen counts as alive from then (it may be a stale entry: it
 * then expires `expireMs` later).
 */
export class MemberView {
  private readonly seen = new Map<string, { value: string; changedAt: number }>();

  constructor(private readonly expireMs: number) {}

  /** Records the annotations read at `now` (only the member annotations are looked at). */
  observe(annotations: Record<string, string> | undefined, now: number): void {
    const present = new Set<string>();
    for (const [key, value] of Object.entries(annotations ?? {})) {
      if (!key.startsWith(MEMBER_ANNOTATION_PREFIX)) continue;
      present.add(key);
      const prev = this.seen.get(key);
      if (!prev || prev.value !== value) this.seen.set(key, { value, changedAt: now });
    }
    for (const key of [...this.seen.keys()]) if (!present.has(key)) this.seen.delete(key);
  }

  /** The annotation keys of live replicas at `now`, ours included when given. */
  live(now: number, self?: string): Set<string> {
    const live = new Set<string>();
    for (const [key, s] of this.seen) if (now - s.changedAt < this.expireMs) live.add(key);
    if (self !== undefined) live.add(self);
    return live;
  }

  /** Annotation keys unchanged for `ms` (entries of replicas long gone, to prune from the Lease). */
  staleFor(now: number, ms: number): string[] {
    return [...this.seen].filter(([, s]) => now - s.changedAt >= ms).map(([key]) => key);
  }
}
