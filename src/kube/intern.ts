/**
 * One copy of a short string that many objects hold (condition reasons and messages, event notes, a domain id): JSON
 * parsing and string building make a new copy each time, and at 10,000 resources every copy is counted 10,000 times.
 */

/** Strings longer than this are rarely shared (ARNs, names): not interned. */
export const INTERN_MAX_LENGTH = 120;
/** A bound on a table, so hostile or very varied values cannot grow it without end. */
const INTERN_MAX_ENTRIES = 4_096;

/**
 * A bounded intern table: the one copy of `s` (the first one seen), or `s` itself when it is long or the table is full.
 * Separate tables keep one kind of value (e.g. users' spec values) from filling another's.
 */
export function internTable(maxEntries = INTERN_MAX_ENTRIES): <T extends string | undefined>(s: T) => T {
  const interned = new Map<string, string>();
  return <T extends string | undefined>(s: T): T => {
    if (s === undefined || s.length > INTERN_MAX_LENGTH) return s;
    const known = interned.get(s);
    if (known !== undefined) return known as T;
    if (interned.size < maxEntries) interned.set(s, s);
    return s;
  };
}

/** The table of the strings the operator's own code and the API server repeat (reasons, messages, notes). */
export const intern = internTable();
