/**
 * The watcher (kube-rs `watcher.rs`): a state machine that turns list + watch into one ordered stream of events.
 *
 *   empty -> listing (paged list, limit/continue) -> watching (from the list's resourceVersion, with bookmarks)
 *   - BOOKMARK advances the resourceVersion, so a re-watch after a quiet hour does not start from an expired one.
 *   - 410 Gone (HTTP 410 or an ERROR event with code 410) -> back to empty: relist. The first relist is immediate,
 *     a 410 again before any progress goes through the backoff.
 *   - any other error or the stream ending -> re-watch from the last resourceVersion after a jittered backoff.
 *   - no data and no bookmark for `inactivityTimeoutMs` -> restart the watch (half-open connections stall silently,
 *     client-node #596/#958); this replaces a total request timeout, which would cut healthy watches (#3020).
 *
 * Handlers are awaited one at a time, in order; the watcher never runs two at once and never re-watches before the
 * events already received are handled (the resourceVersion only advances as they are).
 */
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { type BackoffOptions, ResettingBackoff } from "./backoff.js";
import { type Clock, sleep, systemClock, type TimerHandle } from "./clock.js";
import { errorMessage, httpStatus, isForbidden, RBAC_HINT } from "./errors.js";
import { type Logger, silentLogger } from "./log.js";
import { collectionPath, type KubeObject, type ResourceRef } from "./object.js";
import { KubeApi } from "./rest.js";

export type WatcherEvent<T> =
  | { type: "init-start" }
  | { type: "init-apply"; object: T }
  | { type: "init-done" }
  | { type: "applied"; object: T }
  | { type: "deleted"; object: T };

export type WatcherState = "empty" | "listing" | "watching";

export type WatchHandler<T> = (event: WatcherEvent<T>) => void | Promise<void>;

export interface WatcherOptions {
  kubeConfig: KubeConfig;
  resource: ResourceRef;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per list page. */
  pageSize?: number;
  /**
   * Restart the watch when nothing (no event, no bookmark) arrives for this long. API servers send a bookmark about
   * once a minute to watches that allow them, so a healthy quiet watch is not restarted.
   */
  inactivityTimeoutMs?: number;
  /** Server-side watch timeout; by default 5-10 min, randomised like client-go so watches do not all end together. */
  watchTimeoutSeconds?: number;
  backoff?: BackoffOptions;
  log?: Logger;
  clock?: Clock;
}

export interface WatcherStats {
  state: WatcherState;
  resourceVersion: string | undefined;
  /** Completed lists (the first one and every relist). */
  lists: number;
  /** Watch requests started. */
  watches: number;
  /** Watches ended by 410 Gone. */
  gone: number;
  /** Watches restarted by the inactivity timeout. */
  inactive: number;
  /** Failed lists and watches that ended in an error. */
  errors: number;
}

type WatchEnd = { kind: "aborted" | "gone" | "inactive" | "closed" } | { kind: "error"; error: unknown };

interface RawWatchObject extends KubeObject {
  code?: number;
  message?: string;
}

export class Watcher<T extends KubeObject = KubeObject> {
  private readonly api: KubeApi;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly backoff: ResettingBackoff;
  private readonly counters: Omit<WatcherStats, "state" | "resourceVersion"> = {
    lists: 0,
    watches: 0,
    gone: 0,
    inactive: 0,
    errors: 0,
  };
  private state: WatcherState = "empty";
  private resourceVersion: string | undefined;

  constructor(private readonly o: WatcherOptions) {
    this.api = new KubeApi(o.kubeConfig);
    this.log = o.log ?? silentLogger;
    this.clock = o.clock ?? systemClock;
    this.backoff = new ResettingBackoff({ clock: this.clock, ...o.backoff });
  }

  stats(): WatcherStats {
    return { state: this.state, resourceVersion: this.resourceVersion, ...this.counters };
  }

  /** Lists and watches until `signal` aborts, handing every event to `handler` in order. Never rejects. */
  async run(handler: WatchHandler<T>, signal: AbortSignal): Promise<void> {
    const safe = this.guard(handler);
    let goneStreak = 0;
    while (!signal.aborted) {
      if (this.resourceVersion === undefined) {
        this.state = "listing";
        try {
          this.resourceVersion = await this.list(safe, signal);
          this.counters.lists++;
        } catch (err) {
          if (signal.aborted) break;
          this.counters.errors++;
          const delay = this.backoff.next();
          const fields = { resource: this.describe(), err: errorMessage(err), retryInMs: Math.round(delay) };
          if (isForbidden(err))
            this.log.error(
              { ...fields, permission: this.permission("list"), hint: RBAC_HINT },
              "list forbidden; the cache stays empty",
            );
          else this.log.warn(fields, "list failed");
          await sleep(delay, signal, this.clock);
          continue;
        }
        if (this.resourceVersion === undefined) break; // aborted part-way
      }
      this.state = "watching";
      const { end, progressed } = await this.watch(safe, signal);
      let delay = 0;
      switch (end.kind) {
        case "aborted":
          break;
        case "gone":
          // Our resourceVersion is older than the server's history: only a fresh list can tell what changed.
          this.counters.gone++;
          this.resourceVersion = undefined;
          if (progressed) goneStreak = 0;
          delay = goneStreak++ === 0 ? 0 : this.backoff.next();
          this.log.info({ resource: this.describe() }, "watch expired (410 Gone), relisting");
          break;
        case "inactive":
          this.counters.inactive++;
          this.log.debug({ resource: this.describe() }, "watch inactive, restarting");
          break;
        case "closed":
          delay = this.backoff.next();
          break;
        case "error":
          this.counters.errors++;
          delay = this.backoff.next();
          if (isForbidden(end.error))
            this.log.error(
              {
                resource: this.describe(),
                err: errorMessage(end.error),
                retryInMs: Math.round(delay),
                permission: this.permission("watch"),
                hint: RBAC_HINT,
              },
              "watch forbidden; changes are not seen",
            );
          else
            this.log.warn(
              { resource: this.describe(), err: errorMessage(end.error), retryInMs: Math.round(delay) },
              "watch failed, re-watching from the last resourceVersion",
            );
          break;
      }
      if (delay > 0) await sleep(delay, signal, this.clock);
    }
    this.state = "empty";
  }

  /** A paged list; returns the resourceVersion to watch from, or undefined when aborted. */
  private async list(handler: WatchHandler<T>, signal: AbortSignal): Promise<string | undefined> {
    await handler({ type: "init-start" });
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = (await this.listPage(cont)) as {
        apiVersion?: string;
        kind?: string;
        metadata?: { resourceVersion?: string; continue?: string };
        items?: T[];
      };
      if (signal.aborted) return undefined;
      const kind = page.kind?.endsWith("List") ? page.kind.slice(0, -4) : undefined;
      for (const item of page.items ?? []) {
        // List items may omit apiVersion/kind; the cache should hold complete objects.
        if (item.apiVersion === undefined && page.apiVersion) item.apiVersion = page.apiVersion;
        if (item.kind === undefined && kind) item.kind = kind;
        await handler({ type: "init-apply", object: item });
      }
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    await handler({ type: "init-done" });
    return rv ?? "";
  }

  private listPage(cont: string | undefined): Promise<unknown> {
    const { group, plural } = this.o.resource;
    // The one core resource the operator watches (namespace labels, for policy selectors).
    if (group === "" && plural !== "namespaces")
      throw new Error(`the watcher does not support core resource ${plural}`);
    return this.api.get(collectionPath(this.o.resource), {
      limit: this.o.pageSize ?? 500,
      continue: cont,
      labelSelector: this.o.labelSelector,
      fieldSelector: this.o.fieldSelector,
    });
  }

  /** One watch request; resolves once it has ended and every event it delivered has been handled. */
  private watch(handler: WatchHandler<T>, signal: AbortSignal): Promise<{ end: WatchEnd; progressed: boolean }> {
    this.counters.watches++;
    const inactivityMs = this.o.inactivityTimeoutMs ?? 180_000;
    const timeoutSeconds = this.o.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    return new Promise((resolve) => {
      let ended = false;
      let progressed = false;
      let chain: Promise<void> = Promise.resolve();
      let request: { abort(): void } | undefined;
      let inactivity: TimerHandle | undefined;

      const finish = (end: WatchEnd) => {
        if (ended) return;
        ended = true;
        if (inactivity !== undefined) this.clock.clearTimeout(inactivity);
        signal.removeEventListener("abort", onAbort);
        request?.abort();
        void chain.then(() => resolve({ end, progressed }));
      };
      const armInactivity = () => {
        if (inactivity !== undefined) this.clock.clearTimeout(inactivity);
        inactivity = this.clock.setTimeout(() => finish({ kind: "inactive" }), inactivityMs);
      };
      const onAbort = () => finish({ kind: "aborted" });
      if (signal.aborted) return finish({ kind: "aborted" }); // an abort before now fires no event
      signal.addEventListener("abort", onAbort, { once: true });
      armInactivity();

      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.o.labelSelector,
        fieldSelector: this.o.fieldSelector,
      };
      const onEvent = (type: string, object: unknown) => {
        const obj = object as RawWatchObject;
        if (ended) return;
        armInactivity();
        if (type === "ERROR") {
          // Decided here, synchronously, so nothing received after the error is handled.
          finish(
            obj?.code === 410
              ? { kind: "gone" }
              : { kind: "error", error: new Error(`watch ERROR ${obj?.code}: ${obj?.message}`) },
          );
          return;
        }
        chain = chain.then(async () => {
          const rv = obj?.metadata?.resourceVersion;
          if (type === "ADDED" || type === "MODIFIED") await handler({ type: "applied", object: obj as T });
          else if (type === "DELETED") await handler({ type: "deleted", object: obj as T });
          else if (type !== "BOOKMARK") return;
          progressed = true;
          if (rv) this.resourceVersion = rv;
        });
      };
      const onDone = (err: unknown) => {
        if (!err) return finish({ kind: "closed" });
        if (httpStatus(err) === 410) return finish({ kind: "gone" });
        finish({ kind: "error", error: err });
      };
      // The socket's own idle limit sits past the inactivity timer, which decides (and says so in the watcher's stats).
      this.api.watch(collectionPath(this.o.resource), query, onEvent, onDone, inactivityMs + 30_000).then(
        (req) => {
          request = req;
          if (ended) req.abort();
        },
        (err: unknown) => finish({ kind: "error", error: err }),
      );
    });
  }

  /** A throwing handler is a bug in the caller; log it and keep the stream going rather than lose the watch. */
  private guard(handler: WatchHandler<T>): WatchHandler<T> {
    return async (event) => {
      try {
        await handler(event);
      } catch (err) {
        this.log.error({ resource: this.describe(), event: event.type, err: String(err) }, "watch handler threw");
      }
    };
  }

  /** The RBAC permission a verb needs here, e.g. `watch namespaces` or `list sagemakerprofilepolicies.sagemaker.gitops.io`. */
  private permission(verb: string): string {
    const { group, plural } = this.o.resource;
    return `${verb} ${group ? `${plural}.${group}` : plural}`;
  }

  private describe(): string {
    return collectionPath(this.o.resource);
  }
}
