/**
 * One record per key for the state several parts of the operator keep per resource (the reconciler's flap guard and
 * ownership memory, the List resync's view of each profile, the policy cache, the metrics' snapshot). Each part holds a
 * slot and uses it as it would a Map of its own; the slots share one Map and one key string per resource. A Map of
 * 10,000 keys is a 448 KiB hash table (V8's large-object space) plus a copy of each key: a heap snapshot at 10,000
 * converged resources held six of them, one per part, where one does.
 */

/** What the state holders use of a Map (a Map is one, for a part used on its own, as in tests). */
export interface KeyedState<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V): unknown;
  delete(key: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<V>;
  clear(): void;
  readonly size: number;
}

export class KeyedRecords {
  /** key -> one value per slot (undefined: the slot holds nothing for the key); a record with none goes. */
  private readonly records = new Map<string, unknown[]>();
  private width = 0;

  /** A new slot: a Map-like view of its column of the records. */
  slot<V>(): KeyedState<V> {
    return new Slot<V>(this.records, this.width++, () => this.width);
  }

  /** Keys with a value in any slot. */
  get size(): number {
    return this.records.size;
  }
}

class Slot<V> implements KeyedState<V> {
  size = 0;

  constructor(
    private readonly records: Map<string, unknown[]>,
    private readonly index: number,
    private readonly width: () => number,
  ) {}

  get(key: string): V | undefined {
    return this.records.get(key)?.[this.index] as V | undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Undefined is no value: setting it deletes. */
  set(key: string, value: V): this {
    if (value === undefined) {
      this.delete(key);
      return this;
    }
    let record = this.records.get(key);
    if (record === undefined) {
      // Every slot is declared before any record exists: one allocation of the final size.
      record = new Array(this.width()).fill(undefined);
      this.records.set(key, record);
    }
    if (record[this.index] === undefined) this.size++;
    record[this.index] = value;
    return this;
  }

  delete(key: string): boolean {
    const record = this.records.get(key);
    if (record === undefined || record[this.index] === undefined) return false;
    record[this.index] = undefined;
    this.size--;
    if (record.every((v) => v === undefined)) this.records.delete(key);
    return true;
  }

  *keys(): IterableIterator<string> {
    for (const [key, record] of this.records) if (record[this.index] !== undefined) yield key;
  }

  *values(): IterableIterator<V> {
    for (const record of this.records.values()) {
      const v = record[this.index];
      if (v !== undefined) yield v as V;
    }
  }

  clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
  }
}
