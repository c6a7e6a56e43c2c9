/**
 * One copy of a short string that many objects hold (condition reasons and messages, event notes, a domain id): JSON
 * parsing and string building make a new copy each time, and at 10,000 resources every copy is counted 10,000 times.
 */

/** Strings longer than this are rarely shared (ARNs, names): not interned. */
const INTERN_MAX_LENGTH = 120;
/** A bound on the table, so hostile or very varied values cannot grow it without end. */
const INTERN_MAX_ENTRIES = 4_096;

const interned = new Map<string, string>();

/** The one copy of `s` (the first one seen), or `s` itself when it is long or the table is full. */
export function intern<T extends string | undefined>(s: T): T {
  if (s === undefined || s.length > INTERN_MAX_LENGTH) return s;
  const known = interned.get(s);
  if (known !== undefined) return known as T;
  if (interned.size < INTERN_MAX_ENTRIES) interned.set(s, s);
  return s;
}
