/**
 * The Manager (controller-runtime's `manager.Manager`): owns a process's runnables, starts them in order, gates the
 * leader-elected ones on the lease, stops everything in reverse order, and answers the health and readiness probes.
 *
 * Start: every runnable that is not leader-elected (endpoints, caches: followers keep theirs warm), in the order
 * added; then leader election, and while this process leads, the leader-elected runnables (controllers, resync
 * loops), in the order added. Stop: the leader-elected runnables first, awaited before the lease is released (so a
 * successor never overlaps with our in-flight work), then the others in reverse order. Losing the lease stops the
 * whole manager, as controller-runtime does: the process exits and its replacement starts with fresh state.
 */
import { type Logger, silentLogger } from "./log.js";

export interface Runnable {
  readonly name: string;
  /** Runs only while this process holds the leader lease. */
  readonly leaderElected?: boolean;
  /** Runs until `signal` aborts, then winds down and resolves. */
  start(signal: AbortSignal): Promise<void>;
  /** Readiness (e.g. a cache has synced); runnables without it count as ready. */
  ready?(): boolean;
  /** Called once after every runnable has stopped, in reverse order (flush buffers, close sockets). */
  close?(): Promise<void> | void;
}

/** What the Manager needs from leader election (LeaderElector, built with these hooks). */
export interface LeaderElection {
  run(signal: AbortSignal): Promise<void>;
  isLeader(): boolean;
}
export interface LeadershipHooks {
  onStartedLeading(term: AbortSignal): void;
  /** Awaited by the elector before it releases the lease. */
  onStoppedLeading(): Promise<void>;
}

export interface ManagerOptions {
  /** Builds the leader election with the manager's hooks; without it this process always leads. */
  leaderElection?: (hooks: LeadershipHooks) => LeaderElection;
  log?: Logger;
  /** Told when leading starts or ends (e.g. the leader-status gauge). */
  onLeading?(leading: boolean): void;
}

export class Manager {
  private readonly runnables: Runnable[] = [];
  private readonly log: Logger;
  private readonly stopping = new AbortController();
  /** Aborted only once the leader-elected runnables have stopped and the lease is released. */
  private readonly stoppingOthers = new AbortController();
  /** The current (or last) leadership term. */
  private term: { abort: AbortController; runs: Promise<void>[]; stopped?: Promise<void> } | undefined;
  private election: LeaderElection | undefined;
  private electionRun: Promise<void> = Promise.resolve();
  private otherRuns: Promise<void>[] = [];
  private stopPromise: Promise<void> | undefined;
  private started = false;
  private resolveDone!: () => void;
  /** True when the manager stopped because it lost the lease. */
  lostLeadership = false;
  /** Resolves when the manager has stopped (stop() called, or the lease lost). */
  readonly done = new Promise<void>((r) => {
    this.resolveDone = r;
  });

  constructor(private readonly o: ManagerOptions = {}) {
    this.log = o.log ?? silentLogger;
  }

  add(runnable: Runnable): this {
    if (this.started) throw new Error(`manager already started: cannot add ${runnable.name}`);
    this.runnables.push(runnable);
    return this;
  }

  /** Liveness: false once stopping. */
  healthy(): boolean {
    return !this.stopping.signal.aborted;
  }

  /** Readiness: every runnable that reports readiness is ready. */
  ready(): boolean {
    return this.runnables.every((r) => r.ready?.() ?? true);
  }

  isLeader(): boolean {
    if (this.stopping.signal.aborted) return false;
    return this.election ? this.election.isLeader() : true;
  }

  /** Starts the runnables that need no lease, then leader election (or the leader-elected runnables at once). */
  start(): void {
    if (this.started) throw new Error("manager already started");
    this.started = true;
    this.otherRuns = this.runnables.filter((r) => !r.leaderElected).map((r) => this.run(r, this.stoppingOthers.signal));
    if (this.o.leaderElection) {
      this.election = this.o.leaderElection({
        onStartedLeading: (term) => this.startLeading(term),
        onStoppedLeading: () => this.stopLeading(),
      });
      this.electionRun = this.election.run(this.stopping.signal);
    } else {
      this.startLeading(this.stopping.signal);
    }
  }

  /** Stops everything in order; resolves when stopped. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      this.log.info({}, "stopping");
      this.stopping.abort();
      await this.stopLeading();
      await this.electionRun; // the elector releases the lease after stopLeading resolved
      this.stoppingOthers.abort();
      await Promise.all(this.otherRuns);
      for (const r of [...this.runnables].reverse()) {
        try {
          await r.close?.();
        } catch (err) {
          this.log.warn({ runnable: r.name, err: String(err) }, "close failed");
        }
      }
      this.log.info({}, "stopped");
      this.resolveDone();
    })();
    return this.stopPromise;
  }

  private startLeading(lease: AbortSignal): void {
    const abort = new AbortController();
    lease.addEventListener("abort", () => abort.abort(), { once: true });
    this.o.onLeading?.(true);
    const runs = this.runnables.filter((r) => r.leaderElected).map((r) => this.run(r, abort.signal));
    this.term = { abort, runs };
  }

  /** Ends the current term: aborts the leader-elected runnables and resolves once they all stopped (memoised). */
  private stopLeading(): Promise<void> {
    const term = this.term;
    if (!term) return Promise.resolve();
    term.stopped ??= (async () => {
      term.abort.abort();
      await Promise.all(term.runs);
      this.o.onLeading?.(false);
      if (!this.stopping.signal.aborted) {
        this.lostLeadership = true;
        this.log.error({}, "leader lease lost; stopping");
        void this.stop();
      }
    })();
    return term.stopped;
  }

  /** A runnable that fails is logged and stops the manager: a half-running operator is worse than a restart. */
  private async run(r: Runnable, signal: AbortSignal): Promise<void> {
    try {
      await r.start(signal);
    } catch (err) {
      if (signal.aborted) return;
      this.log.error({ runnable: r.name, err: err instanceof Error ? err.message : String(err) }, "runnable failed");
      void this.stop();
    }
  }
}
