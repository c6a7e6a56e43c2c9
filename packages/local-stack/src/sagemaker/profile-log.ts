/**
 * ListUserProfiles' cursor: two append-only logs, one per sort key, so a page costs a binary search plus its length.
 * Every create appends to the creation log, every create or modification to the modification log, each entry stamped
 * with a global sequence number; the logs are therefore already sorted. An entry whose record was deleted or modified
 * again is stale and skipped, and stale entries are compacted away once they outnumber the live ones.
 */
import type { ProfileQuery, ProfileRecord } from "./records.js";

interface LogEntry {
  seq: number;
  rec: ProfileRecord;
}

export class ProfileLog {
  private creationLog: LogEntry[] = [];
  private modificationLog: LogEntry[] = [];
  private seq = 0;

  /** `isLive`: the record is still the stored one; `liveCount`: how many records are stored. */
  constructor(
    private readonly isLive: (rec: ProfileRecord) => boolean,
    private readonly liveCount: () => number,
  ) {}

  /** The sequence number of a new record (its createSeq and modSeq). */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Appends a new record, stored already, to both logs. */
  created(rec: ProfileRecord): void {
    this.creationLog.push({ seq: rec.createSeq, rec });
    this.modificationLog.push({ seq: rec.modSeq, rec });
    this.compact();
  }

  /** Gives the record a new modSeq and appends it to the modification log. */
  modified(rec: ProfileRecord): void {
    rec.modSeq = ++this.seq;
    this.modificationLog.push({ seq: rec.modSeq, rec });
    this.compact();
  }

  /**
   * One page in the order of the query, and the cursor of the next page when there is one. `accept` sees only live,
   * current entries (so it may settle them).
   */
  page(q: ProfileQuery, accept: (rec: ProfileRecord) => boolean): { items: ProfileRecord[]; next?: number } {
    const byCreation = q.sortBy === "CreationTime";
    const log = byCreation ? this.creationLog : this.modificationLog;
    const matches = (e: LogEntry): boolean => {
      const rec = e.rec;
      if (!this.isLive(rec)) return false;
      if ((byCreation ? rec.createSeq : rec.modSeq) !== e.seq) return false;
      return accept(rec);
    };
    const items: ProfileRecord[] = [];
    let lastSeq: number | undefined;
    const step = q.descending ? -1 : 1;
    let i: number;
    if (q.after === undefined) i = q.descending ? log.length - 1 : 0;
    else i = q.descending ? firstIndexAtLeast(log, q.after) - 1 : firstIndexAtLeast(log, q.after + 1);
    for (; i >= 0 && i < log.length; i += step) {
      const entry = log[i] as LogEntry;
      if (!matches(entry)) continue;
      if (items.length === q.max) return { items, ...(lastSeq !== undefined ? { next: lastSeq } : {}) };
      items.push(entry.rec);
      lastSeq = entry.seq;
    }
    return { items };
  }

  /** Drops stale log entries once they outnumber live ones; entries keep their order. */
  private compact(): void {
    const limit = 2 * this.liveCount() + 1024;
    if (this.creationLog.length > limit)
      this.creationLog = this.creationLog.filter((e) => this.isLive(e.rec) && e.rec.createSeq === e.seq);
    if (this.modificationLog.length > limit)
      this.modificationLog = this.modificationLog.filter((e) => this.isLive(e.rec) && e.rec.modSeq === e.seq);
  }
}

/** Index of the first entry whose seq is >= `seq` (entries are sorted by seq). */
function firstIndexAtLeast(log: LogEntry[], seq: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log[mid] as LogEntry).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
