/**
 * The flapping guard: notices when the same field drifts back within minutes of being repaired (someone else is
 * writing the profile: another tool, a console user) and holds off with a growing delay instead of fighting forever.
 * Pure: the state of one resource is a value passed in and returned (`decideFlap`, `recordRepair`).
 */
import { smallInteger, smallTime } from "../api/small-time.js";

export interface FlapPolicy {
  /** Repairs of one field within this window count towards a contest. */
  windowMs: number;
  /** Repairs of the same field within the window that make it contested. */
  threshold: number;
  /** The hold before the next repair, after `holds` earlier holds for the same spec (grows). */
  holdDelay(holds: number): number;
}

export type FlapDecision =
  /** Repair now. */
  | { contested: false }
  /** Hold: report Contested and look again after `retryAfterMs`. */
  | { contested: true; fields: string[]; repairs: number; retryAfterMs: number; holding: true }
  /** Contested, but the hold is over: repair once more (the next contest waits longer). */
  | { contested: true; fields: string[]; repairs: number; holding: false };

/** One resource's repairs for one spec generation. */
export interface FlapState {
  generation: number | undefined;
  /**
   * Repair times per field pointer: a single time alone (most fields are repaired once: no array per resource). Times
   * here are small times (api/small-time.ts): no HeapNumber per time kept.
   */
  repairs: Readonly<Record<string, number | readonly number[]>>;
  holdUntil?: number;
  /** Holds started for this generation (the next hold is longer). */
  holds: number;
}

/** The state for `generation`: a spec change is a new intent, and earlier repairs say nothing about it. */
export function flapStateFor(state: FlapState | undefined, generation: number | undefined): FlapState {
  return state && state.generation === generation ? state : flapState(generation, {}, undefined, 0);
}

/**
 * Every field in one order: one object shape, with each field inside the object (a field added to a literal later
 * needs a separate 40-byte store; the memory of 10,000 repaired resources holds one state each).
 */
const flapState = (
  generation: number | undefined,
  repairs: FlapState["repairs"],
  holdUntil: number | undefined,
  holds: number,
): FlapState => ({ generation, repairs, holdUntil, holds });

/** Decides whether the drifted `fields` may be repaired now. */
export function decideFlap(
  previous: FlapState | undefined,
  generation: number | undefined,
  fields: string[],
  now: number,
  policy: FlapPolicy,
): { decision: FlapDecision; state: FlapState } {
  now = smallTime(now);
  const state = flapStateFor(previous, generation);
  const recentCount = (f: string) => recent(state, f, now, policy.windowMs).length;
  const contested = fields.filter((f) => recentCount(f) >= policy.threshold);
  if (contested.length === 0)
    return {
      decision: { contested: false },
      state: flapState(state.generation, state.repairs, undefined, state.holds),
    };
  const repairs = Math.max(...contested.map(recentCount));
  const held =
    state.holdUntil === undefined
      ? flapState(state.generation, state.repairs, smallInteger(now + policy.holdDelay(state.holds)), state.holds + 1)
      : state;
  const holdUntil = held.holdUntil as number;
  if (now < holdUntil)
    return {
      decision: { contested: true, fields: contested, repairs, retryAfterMs: holdUntil - now, holding: true },
      state: held,
    };
  return {
    decision: { contested: true, fields: contested, repairs, holding: false },
    state: flapState(held.generation, held.repairs, undefined, held.holds),
  };
}

/** The state once `fields` were repaired at `now`. */
export function recordRepair(
  previous: FlapState | undefined,
  generation: number | undefined,
  fields: string[],
  now: number,
  windowMs: number,
): FlapState {
  now = smallTime(now);
  const state = flapStateFor(previous, generation);
  const repairs = { ...state.repairs };
  for (const f of fields) {
    const earlier = recent(state, f, now, windowMs);
    repairs[f] = earlier.length === 0 ? now : [...earlier, now];
  }
  return flapState(state.generation, repairs, state.holdUntil, state.holds);
}

function recent(state: FlapState, field: string, now: number, windowMs: number): number[] {
  const times = state.repairs[field];
  if (times === undefined) return [];
  if (typeof times === "number") return now - times < windowMs ? [times] : [];
  return times.filter((t) => now - t < windowMs);
}
