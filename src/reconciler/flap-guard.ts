/**
 * The flapping guard: notices when the same field drifts back within minutes of being repaired (someone else is
 * writing the profile: another tool, a console user) and holds off with a growing delay instead of fighting forever.
 * Pure (time is passed in); one small entry per resource, dropped on delete or when the spec changes.
 */
import type { RateLimiter as Backoff } from "../kube/index.js";

export interface FlapGuardOptions {
  /** Repairs of one field within this window count towards a contest. */
  windowMs: number;
  /** Repairs of the same field within the window that make it contested. */
  threshold: number;
  /** Delay before each further repair of a contested resource (grows per key). */
  backoff: Backoff;
}

export type FlapDecision =
  /** Repair now. */
  | { contested: false }
  /** Hold: report Contested and look again after `retryAfterMs`. */
  | { contested: true; fields: string[]; repairs: number; retryAfterMs: number; holding: true }
  /** Contested, but the hold is over: repair once more (the next contest waits longer). */
  | { contested: true; fields: string[]; repairs: number; holding: false };

interface Entry {
  generation: number | undefined;
  repairs: Map<string, number[]>;
  holdUntil?: number;
}

export class FlapGuard {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly o: FlapGuardOptions) {}

  /** Decides whether the drifted `fields` of `key` may be repaired now. */
  decide(key: string, generation: number | undefined, fields: string[], now: number): FlapDecision {
    const entry = this.entry(key, generation);
    const contested = fields.filter((f) => this.recent(entry, f, now).length >= this.o.threshold);
    if (contested.length === 0) {
      entry.holdUntil = undefined;
      return { contested: false };
    }
    const repairs = Math.max(...contested.map((f) => this.recent(entry, f, now).length));
    if (entry.holdUntil === undefined) entry.holdUntil = now + this.o.backoff.when(key);
    if (now < entry.holdUntil)
      return { contested: true, fields: contested, repairs, retryAfterMs: entry.holdUntil - now, holding: true };
    entry.holdUntil = undefined;
    return { contested: true, fields: contested, repairs, holding: false };
  }

  /** Records that `fields` were repaired at `now`. */
  recordRepair(key: string, generation: number | undefined, fields: string[], now: number): void {
    const entry = this.entry(key, generation);
    for (const f of fields) entry.repairs.set(f, [...this.recent(entry, f, now), now]);
  }

  forget(key: string): void {
    this.entries.delete(key);
    this.o.backoff.forget(key);
  }

  private entry(key: string, generation: number | undefined): Entry {
    let entry = this.entries.get(key);
    // A spec change is a new intent: earlier repairs say nothing about it.
    if (!entry || entry.generation !== generation) {
      if (entry) this.o.backoff.forget(key);
      entry = { generation, repairs: new Map() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private recent(entry: Entry, field: string, now: number): number[] {
    return (entry.repairs.get(field) ?? []).filter((t) => now - t < this.o.windowMs);
  }
}
