/**
 * The work queue's FIFOs. `FairFifo` serves flows (namespaces) in turn, as Kubernetes API Priority and Fairness serves
 * its queues: staging/src/k8s.io/apiserver/pkg/util/flowcontrol/fairqueuing/queueset/queueset.go,
 * `queueSet.findDispatchQueueToBoundLocked`, visits the non-empty queues in round-robin order and dispatches the one
 * whose oldest request has the smallest virtual finish time. Here every key costs the same (one reconcile; the AWS
 * budget, whose cost is real, is shared in the limiter), so smallest virtual finish is plain round robin; and a flow
 * gets its own queue (no shuffle sharding: the queue holds each key once, so memory is bounded by the keys anyway).
 */

/** A FIFO with O(1) amortised shift (Array#shift is O(n) on large arrays). */
export class Fifo<K> {
  private items: K[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(k: K): void {
    this.items.push(k);
  }
  peek(): K | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }
  shift(): K | undefined {
    if (this.head >= this.items.length) return undefined;
    const k = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return k;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/**
 * A flow's queue: one FIFO per lane (the work queue's due and new keys), the lanes in turn, each taking up to its
 * weight of keys per turn, so neither lane waits behind the other's backlog; lane 0 first in a flow that just joined.
 */
class FlowQueue<K> {
  private readonly lanes: Array<Fifo<K> | undefined> = [];
  /** The lane whose turn it is, and how many keys it has taken in this turn. */
  private turn = 0;
  private taken = 0;
  length = 0;

  constructor(private readonly weights: readonly number[]) {}

  push(key: K, lane: number): void {
    let fifo = this.lanes[lane];
    if (!fifo) {
      fifo = new Fifo<K>();
      this.lanes[lane] = fifo;
    }
    fifo.push(key);
    this.length++;
  }

  /** Drops the entries `live` refuses from each lane's head (stale ones, without costing the flow its turn). */
  dropStale(live: (key: K) => boolean): number {
    let dropped = 0;
    for (const fifo of this.lanes)
      while (fifo && fifo.length > 0 && !live(fifo.peek() as K)) {
        fifo.shift();
        dropped++;
      }
    this.length -= dropped;
    return dropped;
  }

  /**
   * The head of the lane whose turn it is, else of the next lane that has one `admit` takes; a lane's turn ends when
   * it has taken its weight of keys or has none to give.
   */
  shift(admit?: (key: K) => boolean): K | undefined {
    const n = this.weights.length;
    for (let i = 0; i < n; i++) {
      const lane = (this.turn + i) % n;
      const fifo = this.lanes[lane];
      if (!fifo || fifo.length === 0 || (admit && !admit(fifo.peek() as K))) continue;
      if (lane !== this.turn) [this.turn, this.taken] = [lane, 0];
      if (++this.taken >= (this.weights[lane] as number)) [this.turn, this.taken] = [(lane + 1) % n, 0];
      this.length--;
      return fifo.shift();
    }
    return undefined;
  }
}

/**
 * One FIFO per flow, served round robin: a key waits behind at most one key of every other flow with keys queued, so
 * a flow with 5,000 keys delays a flow with one key by one turn, not by 5,000. Within a flow, FIFO per lane, and the
 * lanes in turn (see FlowQueue).
 *
 * A flow that starts waiting goes before the flows that have had a turn: FQ-CoDel's new flows (RFC 8290, section 4.2:
 * the scheduler serves the new-flows list before the old-flows list), as APF's queueset starts an idle queue at the
 * current virtual time (`enqueueToBoundLocked`) rather than behind the queue it just served. With the newcomer last,
 * a namespace's single edit under another's storm waited two workers' turns instead of one. And as in FQ-CoDel, a
 * flow that has had its turn stays in the round until its turn comes again, even with nothing queued: emptying its
 * queue does not make it new again, so it cannot take every other turn from the flows in the round.
 */
export class FairFifo<K, F = string> {
  private readonly queues = new Map<F, FlowQueue<K>>();
  /** Flows that started waiting and have not had a turn yet, in the order they came. Served first. */
  private readonly fresh = new Fifo<F>();
  /** Flows that have had a turn, in the order of their next one: a flow just served goes last. */
  private readonly turns = new Fifo<F>();
  private size = 0;

  /**
   * `laneWeights`: one FIFO per lane in each flow, the lanes in turn within the flow's turns, each taking up to its
   * weight of keys before the next lane's turn (`push` names the lane, 0 .. length - 1).
   */
  constructor(
    private readonly flowOf: (key: K) => F,
    private readonly laneWeights: readonly number[] = [1],
  ) {}

  /** Entries queued (stale ones included until they are skipped). */
  get length(): number {
    return this.size;
  }

  push(key: K, lane = 0): void {
    if (!(lane >= 0 && lane < this.laneWeights.length))
      throw new RangeError(`lane ${lane} of ${this.laneWeights.length}`);
    const flow = this.flowOf(key);
    let queue = this.queues.get(flow);
    if (!queue) {
      queue = new FlowQueue<K>(this.laneWeights);
      this.queues.set(flow, queue);
      this.fresh.push(flow);
    }
    queue.push(key, lane);
    this.size++;
  }

  /**
   * The next live entry: of the first new flow, else of the next flow in the round (its lanes in turn); entries that
   * fail `live` are dropped without costing their flow its turn (the queue's stale low-priority entries). With `admit`,
   * a flow none of whose lane heads it admits is passed over (it goes to the end of its list, its entries untouched):
   * it keeps its order relative to the flows that were passed over with it, and undefined is returned when no flow's
   * entry is admitted.
   */
  shift(live: (key: K) => boolean = () => true, admit?: (key: K) => boolean): K | undefined {
    return this.shiftFrom(this.fresh, live, admit) ?? this.shiftFrom(this.turns, live, admit);
  }

  private shiftFrom(list: Fifo<F>, live: (key: K) => boolean, admit?: (key: K) => boolean): K | undefined {
    for (let flows = list.length; flows > 0; flows--) {
      const flow = list.shift() as F;
      const queue = this.queues.get(flow) as FlowQueue<K>;
      this.size -= queue.dropStale(live);
      if (queue.length === 0) {
        // Its turn came round with nothing queued: it leaves the round.
        this.queues.delete(flow);
        continue;
      }
      const key = queue.shift(admit);
      if (key === undefined) {
        list.push(flow);
        continue;
      }
      this.size--;
      this.turns.push(flow);
      return key;
    }
    return undefined;
  }

  clear(): void {
    this.queues.clear();
    this.fresh.clear();
    this.turns.clear();
    this.size = 0;
  }
}
