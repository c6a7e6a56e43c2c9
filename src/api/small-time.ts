/**
 * Times kept per resource (the reconciler's flap guard and ownership memory, the List resync's view), stored as
 * milliseconds since this process started instead of since the epoch: an epoch millisecond (1.8e12) is beyond V8's
 * small integers and takes a 16-byte HeapNumber of its own in each object field, Map value and array holding it
 * (92,664 of them at 10,000 converged resources); a time within 24 days of the start is a small integer, kept inline.
 * Exact both ways for whole milliseconds (and for any epoch-ms double within a factor 2 of the start), so comparisons
 * and equality keep their meaning; a time further away is still right, only boxed again. The start is a whole second,
 * so a stored time is a whole second (`% 1000 === 0`) and in the same second as another exactly when the epoch
 * times are (the List resync compares second-precision LastModifiedTimes).
 */
const START = Math.floor(Date.now() / 1000) * 1000;

/** A time (epoch ms) as stored per resource. */
export function smallTime(epochMs: number): number;
export function smallTime(epochMs: number | undefined): number | undefined;
export function smallTime(epochMs: number | undefined): number | undefined {
  return epochMs === undefined ? undefined : smallInteger(epochMs - START);
}

/**
 * The same number, as a small integer when it is one: arithmetic on a double (an epoch time, Math.ceil's result)
 * leaves a HeapNumber even when the result is a whole number in range; `| 0` gives a small integer.
 */
export function smallInteger(n: number): number {
  const i = n | 0;
  return i === n ? i : n;
}

/** The epoch ms of a stored time. */
export function epochTime(small: number): number;
export function epochTime(small: number | undefined): number | undefined;
export function epochTime(small: number | undefined): number | undefined {
  return small === undefined ? undefined : small + START;
}
