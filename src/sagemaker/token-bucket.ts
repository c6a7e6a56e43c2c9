/**
 * A token bucket with continuous refill (not p-queue's fixed window, which can start twice its cap around a window
 * edge). Pure: time is passed in, so it is tested without waiting.
 */
/** Refill arithmetic in floating point can land a hair below a whole token at the moment one is due. */
const EPSILON = 1e-9;

export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param rate tokens per second
   * @param capacity the burst: how many tokens the bucket holds (starts full)
   * @param now milliseconds
   */
  constructor(
    private rateValue: number,
    private capacityValue: number,
    now: number,
  ) {
    assertPositive("rate", rateValue);
    assertPositive("capacity", capacityValue);
    this.tokens = capacityValue;
    this.last = now;
  }

  get rate(): number {
    return this.rateValue;
  }

  get capacity(): number {
    return this.capacityValue;
  }

  /** Tokens available at `now` (fractional). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Takes one token if there is one. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens + EPSILON < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds from `now` until one token is there (0 when one is there now). */
  waitTime(now: number): number {
    this.refill(now);
    return this.tokens + EPSILON >= 1 ? 0 : ((1 - this.tokens) / this.rateValue) * 1000;
  }

  /** Empties the bucket: the next token comes one interval after `now`. */
  drain(now: number): void {
    this.refill(now);
    this.tokens = 0;
  }

  /**
   * Changes the refill rate and the capacity from `now` on. Tokens earned so far are kept at the old rate; a smaller
   * capacity drops what no longer fits.
   */
  reconfigure(rate: number, capacity: number, now: number): void {
    assertPositive("rate", rate);
    assertPositive("capacity", capacity);
    this.refill(now);
    this.rateValue = rate;
    this.capacityValue = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }

  private refill(now: number): void {
    // A clock that steps back never takes tokens away.
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.capacityValue, this.tokens + (elapsed / 1000) * this.rateValue);
    this.last = Math.max(this.last, now);
  }
}

function assertPositive(what: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`token bucket ${what} must be > 0, got ${value}`);
}
