/**
 * The delaying queue's waiting room: one entry per key at its earliest ready time (client-go's waitingForQueue + heap).
 * A binary min-heap with a key -> index map, so "earlier time wins" is an O(log n) decrease-key, not a scan.
 */
interface Entry<K> {
  key: K;
  readyAt: number;
}

export class DelayHeap<K> {
  private readonly heap: Entry<K>[] = [];
  private readonly index = new Map<K, number>();

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `key` at `readyAt`, or moves it earlier if it already waits for a later time. Returns whether it changed. */
  schedule(key: K, readyAt: number): boolean {
    const i = this.index.get(key);
    if (i !== undefined) {
      const entry = this.heap[i] as Entry<K>;
      if (readyAt >= entry.readyAt) return false;
      entry.readyAt = readyAt;
      this.up(i);
      return true;
    }
    this.heap.push({ key, readyAt });
    this.index.set(key, this.heap.length - 1);
    this.up(this.heap.length - 1);
    return true;
  }

  peek(): Entry<K> | undefined {
    return this.heap[0];
  }

  pop(): Entry<K> | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    const last = this.heap.pop() as Entry<K>;
    this.index.delete(top.key);
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.index.set(last.key, 0);
      this.down(0);
    }
    return top;
  }

  has(key: K): boolean {
    return this.index.has(key);
  }

  clear(): void {
    this.heap.length = 0;
    this.index.clear();
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at(parent).readyAt <= this.at(i).readyAt) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && this.at(l).readyAt < this.at(min).readyAt) min = l;
      if (r < n && this.at(r).readyAt < this.at(min).readyAt) min = r;
      if (min === i) return;
      this.swap(i, min);
      i = min;
    }
  }

  private at(i: number): Entry<K> {
    return this.heap[i] as Entry<K>;
  }

  private swap(a: number, b: number): void {
    const ea = this.at(a);
    const eb = this.at(b);
    this.heap[a] = eb;
    this.heap[b] = ea;
    this.index.set(eb.key, a);
    this.index.set(ea.key, b);
  }
}
