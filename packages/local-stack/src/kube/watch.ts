/**
 * Watch streams: newline-delimited JSON WatchEvents over a chunked HTTP 200 response. The query was checked before
 * (watch-options.ts); what is left fails the way the real watch cache fails after the headers: HTTP 200, then an ERROR
 * event. From resourceVersion N the events after N are replayed from the resource's history; N older than the history
 * gives a 410 Expired Status. sendInitialEvents (defaulted on for "" and "0") starts with synthetic ADDED events for
 * the current objects, ended by an initial-events-end BOOKMARK when bookmarks are allowed.
 */
import type { ServerResponse } from "node:http";
import type { StatusDetails } from "./errors.js";
import type { KubeObject } from "./meta.js";
import type { ObjectApi } from "./objects.js";
import { apiVersionOf, type ResourceDef } from "./resources.js";
import type { FieldSelector, LabelSelector } from "./selectors.js";
import type { Store, StoredObject, WatchEvent, WatchSubscriber } from "./store.js";
import { type IncludeObject, toTable } from "./table.js";

export interface WatchParams {
  def: ResourceDef;
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
  /** The parsed resourceVersion (0 for "" and "0"). */
  rv: number;
  /** After SetListOptionsDefaults: undefined only for a legacy watch from a resourceVersion. */
  sendInitialEvents: boolean | undefined;
  allowBookmarks: boolean;
  /** Negative: the stream ends as soon as it starts (the real server's timer has already fired). */
  timeoutSeconds: number;
  /** Set when the client asked for Table rows (`kubectl get -w`). */
  table?: IncludeObject;
}

/** Serialized JSON of a stored object in a resource's served shape (cached on the stored object when no conversion). */
export function objectJson(def: ResourceDef, s: StoredObject): string {
  const view = def.toView(s.obj);
  if (view !== s.obj) return JSON.stringify(view);
  s.json ??= JSON.stringify(s.obj);
  return s.json;
}

/** A slow reader is cut off rather than buffered without bound, like the real server's unresponsive-consumer close. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

class ActiveWatch implements WatchSubscriber {
  private bookmarkTimer?: NodeJS.Timeout;
  private timeoutTimer?: NodeJS.Timeout;
  private closed = false;
  /** Events held back by a lag (WatchHub.setLag), in order, each with the time it is due. */
  private readonly lagging: Array<{ due: number; event: WatchEvent }> = [];
  private lagTimer?: NodeJS.Timeout;
  /** Events at or before this resourceVersion are not sent (cache_watcher.go process: only newer than the start). */
  private afterRv = 0;

  constructor(
    private readonly hub: WatchHub,
    private readonly p: WatchParams,
    readonly res: ServerResponse,
  ) {}

  start(bookmarkIntervalMs: number): void {
    const { def, allowBookmarks, timeoutSeconds } = this.p;
    const bucket = this.hub.store.bucket(def.storageKey);
    const res = this.res;
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
    res.flushHeaders();
    res.on("close", () => this.stop());

    if (timeoutSeconds < 0) {
      this.end();
      return;
    }
    const { rv, sendInitialEvents } = this.p;
    const currentRv = this.hub.store.currentRv();
    if (sendInitialEvents === true && rv > currentRv) {
      // watch_cache.go waitUntilFreshLocked: NewTooLargeResourceVersionError after blockTimeout (3 s); refused at once
      // here, where no write is on its way.
      this.error(504, "Timeout", `Timeout: Too large resource version: ${rv}, current: ${currentRv}`, {
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      });
      return;
    }
    // watch_cache.go getAllEventsSinceLocked: the current state for sendInitialEvents, and for a legacy "0" (e.g. "00").
    if (sendInitialEvents === true || (sendInitialEvents === undefined && rv === 0)) {
      const page = this.hub.objects.list(def, this.p.namespace, {
        labels: this.p.labels,
        fields: this.p.fields,
        limit: 0,
        continueToken: null,
      });
      for (const s of page.items) this.write("ADDED", s);
      if (sendInitialEvents && allowBookmarks) this.bookmark(true);
      this.afterRv = currentRv;
    } else {
      // sendInitialEvents=false from "" or "0": from now.
      const from = rv === 0 ? currentRv : rv;
      if (from < bucket.history.startRv) {
        // watch_cache.go getAllEventsSinceLocked: the number is the oldest deliverable event's rv minus one.
        this.error(410, "Expired", `too old resource version: ${from} (${bucket.history.startRv})`);
        return;
      }
      for (const e of bucket.history.since(from)) this.deliver(e);
      this.afterRv = from;
    }
    // Registered synchronously after the replay: no event can fall between the two.
    bucket.watchers.add(this);
    this.hub.open.add(this);
    if (allowBookmarks && bookmarkIntervalMs > 0) {
      this.bookmarkTimer = setInterval(() => this.bookmark(false), bookmarkIntervalMs);
      this.bookmarkTimer.unref();
    }
    // Node's timers hold at most 2^31-1 ms (a longer one would fire at once); no test tells 24 days from longer.
    this.timeoutTimer = setTimeout(() => this.end(), Math.min(timeoutSeconds * 1000, 2 ** 31 - 1));
    this.timeoutTimer.unref();
  }

  deliver(e: WatchEvent): void {
    if (this.closed || e.rv <= this.afterRv) return;
    const lag = this.hub.lagOf(this.p.def.plural);
    if (lag === 0 && this.lagging.length === 0) this.deliverNow(e);
    else {
      this.lagging.push({ due: Date.now() + lag, event: e });
      this.drainLater();
    }
  }

  /** Delivers the held-back events that are due, always in the order they happened (a shorter lag never overtakes). */
  private drainLater(): void {
    const head = this.lagging[0];
    if (this.lagTimer || !head) return;
    this.lagTimer = setTimeout(
      () => {
        this.lagTimer = undefined;
        const now = Date.now();
        while (this.lagging[0] && this.lagging[0].due <= now)
          this.deliverNow((this.lagging.shift() as { event: WatchEvent }).event);
        this.drainLater();
      },
      Math.max(0, head.due - Date.now()),
    );
  }

  private deliverNow(e: WatchEvent): void {
    if (this.closed) return;
    const { namespace, labels, fields, def } = this.p;
    if (namespace !== undefined && (e.object.obj.metadata.namespace ?? "") !== namespace) return;
    if (labels.length === 0 && fields.length === 0) {
      this.write(e.type, e.object);
      return;
    }
    const now = this.hub.objects.matches(def, e.object.obj, labels, fields);
    const before = e.previous !== undefined && this.hub.objects.matches(def, e.previous, labels, fields);
    // An object that starts or stops matching the selector is ADDED to or DELETED from this watch.
    if (e.type === "ADDED") {
      if (now) this.write("ADDED", e.object);
    } else if (e.type === "DELETED") {
      if (now || before) this.write("DELETED", e.object);
    } else if (now && before) this.write("MODIFIED", e.object);
    else if (now) this.write("ADDED", e.object);
    else if (before) this.write("DELETED", e.object);
  }

  private write(type: string, s: StoredObject): void {
    let object: string;
    if (this.p.table) {
      const view = this.p.def.toView(s.obj);
      object = JSON.stringify(
        toTable(this.p.def, [view], this.p.table, { resourceVersion: view.metadata.resourceVersion }),
      );
    } else object = objectJson(this.p.def, s);
    this.send(`{"type":"${type}","object":${object}}\n`);
  }

  private bookmark(initialEventsEnd: boolean): void {
    // A bookmark says every event up to its resourceVersion was sent: never while events are held back.
    if (this.lagging.length > 0) return;
    const { def } = this.p;
    const metadata: KubeObject["metadata"] = { resourceVersion: String(this.hub.store.currentRv()) };
    if (initialEventsEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
    const object = { kind: def.kind, apiVersion: apiVersionOf(def), metadata };
    this.send(`${JSON.stringify({ type: "BOOKMARK", object })}\n`);
  }

  private error(code: number, reason: string, message: string, details?: StatusDetails): void {
    const object = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      details,
      code,
    };
    this.send(`${JSON.stringify({ type: "ERROR", object })}\n`);
    this.end();
  }

  private send(line: string): void {
    if (this.closed) return;
    this.res.write(line);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.cut();
  }

  /** Ends the stream cleanly (timeout, server shutdown). */
  end(): void {
    if (this.closed) return;
    this.stop();
    this.res.end();
  }

  /** Cuts the connection mid-stream (no terminating chunk): the client sees a broken stream. */
  cut(): void {
    this.stop();
    this.res.socket?.destroy();
    this.res.destroy();
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.bookmarkTimer);
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.lagTimer);
    this.hub.store.bucket(this.p.def.storageKey).watchers.delete(this);
    this.hub.open.delete(this);
  }
}

export class WatchHub {
  readonly open = new Set<ActiveWatch>();
  /** resource (plural) -> how late its events reach the watches open on it (ms). */
  private readonly lags = new Map<string, number>();

  constructor(
    readonly store: Store,
    readonly objects: ObjectApi,
    private readonly bookmarkIntervalMs: number,
  ) {}

  serve(res: ServerResponse, params: WatchParams): void {
    new ActiveWatch(this, params, res).start(this.bookmarkIntervalMs);
  }

  /**
   * Fault injection: one resource's events reach its watches `ms` late, in order, while every other resource's go on,
   * as when that resource's watch cache lags behind (each resource has its own). 0 ends it.
   */
  setLag(resource: string, ms: number): void {
    if (ms > 0) this.lags.set(resource, ms);
    else this.lags.delete(resource);
  }

  lagOf(resource: string): number {
    return this.lags.get(resource) ?? 0;
  }

  /** Fault injection: cut every open watch stream. */
  breakAll(): void {
    for (const w of [...this.open]) w.cut();
  }

  /** Shutdown: end every open watch stream cleanly. */
  endAll(): void {
    for (const w of [...this.open]) w.end();
  }
}
