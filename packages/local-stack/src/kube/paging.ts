/**
 * `limit`/`continue` paging over consistent snapshots: the first page takes a snapshot of the matching objects at the
 * current resourceVersion and later pages read from it, like etcd serving a paged list at one revision. Snapshots
 * expire (then `continue` gets 410 Expired, as when etcd has compacted past the list's revision).
 */
import { badRequest, expired } from "./errors.js";
import type { StoredObject } from "./store.js";

interface Snapshot {
  items: StoredObject[];
  rv: number;
  createdAt: number;
}

interface Token {
  s: number;
  o: number;
}

const MAX_SNAPSHOTS = 64;
const SNAPSHOT_TTL_MS = 5 * 60_000;

export interface Page {
  items: StoredObject[];
  rv: number;
  continue?: string;
  remainingItemCount?: number;
}

export class Pager {
  private readonly snapshots = new Map<number, Snapshot>();
  private nextId = 1;
  /** Snapshots taken before this resourceVersion are gone (history compaction). */
  private compactedRv = 0;

  /** A page of `all` (or of the snapshot named by `continueToken`). */
  page(all: () => StoredObject[], rv: number, limit: number, continueToken: string | null): Page {
    let snapshotId: number;
    let offset: number;
    let snapshot: Snapshot | undefined;
    if (continueToken) {
      const token = decode(continueToken);
      snapshot = this.snapshots.get(token.s);
      if (!snapshot || Date.now() - snapshot.createdAt > SNAPSHOT_TTL_MS || snapshot.rv < this.compactedRv) {
        throw expired(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
      }
      snapshotId = token.s;
      offset = token.o;
    } else {
      const items = all();
      if (limit <= 0 || items.length <= limit) return { items, rv };
      snapshot = { items, rv, createdAt: Date.now() };
      snapshotId = this.nextId++;
      this.snapshots.set(snapshotId, snapshot);
      this.evict();
      offset = 0;
    }
    const end = limit > 0 ? offset + limit : snapshot.items.length;
    const items = snapshot.items.slice(offset, end);
    const remaining = snapshot.items.length - end;
    if (remaining <= 0) {
      this.snapshots.delete(snapshotId);
      return { items, rv: snapshot.rv };
    }
    return {
      items,
      rv: snapshot.rv,
      continue: encode({ s: snapshotId, o: end }),
      remainingItemCount: remaining,
    };
  }

  /** Forget every snapshot (fault injection: compaction). */
  expire(currentRv: number): void {
    this.compactedRv = currentRv + 1;
    this.snapshots.clear();
  }

  private evict(): void {
    while (this.snapshots.size > MAX_SNAPSHOTS) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest === undefined) break;
      this.snapshots.delete(oldest);
    }
  }
}

/** The continue token's own check (400), which the real storage makes before it reads the resourceVersion. */
export function checkContinueToken(s: string): void {
  decode(s);
}

const encode = (t: Token): string => Buffer.from(JSON.stringify(t)).toString("base64url");

function decode(s: string): Token {
  try {
    const t = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Partial<Token>;
    if (typeof t.s === "number" && typeof t.o === "number") return { s: t.s, o: t.o };
  } catch {
    // fall through
  }
  throw badRequest(`invalid continue token: ${s}`);
}
