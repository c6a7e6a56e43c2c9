/**
 * The flapping guard: notices when the same field drifts back within minutes of being repaired (someone else is
 * writing the profile: another tool, a console user) and holds off with a growing delay instead of fighting forever.
 * Pure: the state of one resource is a value passed in and returned (`decideFlap`, `recordRepair`).
 */
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
  /** Repair times per field pointer. */
  repairs: Readonly<Record<string, readonly number[]>>;
  holdUntil?: number;
  /** Holds started for this generation (the next hold is longer). */
  holds: number;
}

/** The state for `generation`: a spec change is a new intent, and earlier repairs say nothing about it. */
export function flapStateFor(state: FlapState | undefined, generation: number | undefined): FlapState {
  return state && state.generation === generation ? state : { generation, repairs: {}, holds: 0 };
}

/** Decides whether the drifted `fields` may be repaired now. */
export function decideFlap(
  previous: FlapState | undefined,
  generation: number | undefined,
  fields: string[],
  now: number,
  policy: FlapPolicy,
): { decision: FlapDecision; state: FlapState } {
  const state = flapStateFor(previous, generation);
  const recentCount = (f: string) => recent(state, f, now, policy.windowMs).length;
  const contested = fields.filter((f) => recentCount(f) >= policy.threshold);
  if (contested.length === 0) return { decision: { contested: false }, state: { ...state, holdUntil: undefined } };
  const repairs = Math.max(...contested.map(recentCount));
  const held =
    state.holdUntil === undefined
      ? { ...state, holdUntil: now + policy.holdDelay(state.holds), holds: state.holds + 1 }
      : state;
  const holdUntil = held.holdUntil as number;
  if (now < holdUntil)
    return {
      decision: { contested: true, fields: contested, repairs, retryAfterMs: holdUntil - now, holding: true },
      state: held,
    };
  return {
    decision: { contested: true, fields: contested, repairs, holding: false },
    state: { ...held, holdUntil: undefined },
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
  const state = flapStateFor(previous, generation);
  const repairs = { ...state.repairs };
  for (const f of fields) repairs[f] = [...recent(state, f, now, windowMs), now];
  return { ...state, repairs };
}

function recent(state: FlapState, field: string, now: number, windowMs: number): number[] {
  return (state.repairs[field] ?? []).filter((t) => now - t < windowMs);
}
