/**
 * An event recorder that aggregates: the same (object, type, reason, note) seen again within `windowMs` bumps the
 * existing Event's series count (events.k8s.io/v1 `series.count` / core v1 `count`) instead of creating another
 * Event, and a key is written at most once per `minIntervalMs` (repeats in between are coalesced into one write).
 * Recording never throws and never blocks the reconciler: failures are logged and dropped.
 */

import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { type Clock, systemClock, type TimerHandle } from "./clock.js";
import { errorMessage, isForbidden, isNotFound, RBAC_HINT } from "./errors.js";
import { intern } from "./intern.js";
import { microTime } from "./leases.js";
import { type Logger, silentLogger } from "./log.js";
import { collectionPath, type KubeObject, objectPath, type ResourceRef } from "./object.js";
import { KubeApi, MERGE_PATCH } from "./rest.js";
import { truncateUtf8, utf8Prefix } from "./utf8.js";

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  kubeConfig: KubeConfig;
  /** Which Event API to write: events.k8s.io/v1 (default) or the core v1 Events kubectl describe also shows. */
  apiVersion?: "events.k8s.io/v1" | "v1";
  /** A qualified name, e.g. "sagemaker.gitops.io/operator". */
  reportingController: string;
  /** This replica; defaults to the host name (the pod name in a cluster). */
  reportingInstance?: string;
  /** Repeats closer together than this (measured from the last occurrence) join one series. Default 10 min. */
  windowMs?: number;
  /** At most one API write per key per this interval. Default 5 s. */
  minIntervalMs?: number;
  /** Aggregation keys remembered (least recently seen dropped first). */
  maxKeys?: number;
  clock?: Clock;
  log?: Logger;
}

/** The fields of the object an Event is about (`regarding` / `involvedObject`). */
interface Regarding {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

interface Series {
  namespace: string;
  /** The Event's name once created. */
  name?: string;
  /**
   * Only the reference, not the object: a series lives for minutes (up to maxKeys of them), and holding the object
   * kept a superseded copy of every resource, spec and status included (4,096 of them at 10,000 resources).
   */
  regarding: Regarding;
  type: EventType;
  reason: string;
  note: string;
  action: string;
  count: number;
  written: number;
  firstSeen: number;
  lastSeen: number;
  lastWrite: number;
  timer?: TimerHandle;
  inflight?: Promise<void>;
}

// Limits the API server applies, in UTF-8 bytes (pkg/apis/core/validation/events.go, legacyValidateEvent).
const NOTE_MAX_BYTES = 1024;
const REASON_MAX_BYTES = 128;
const ACTION_MAX_BYTES = 128;
const REPORTING_INSTANCE_MAX_BYTES = 128;
/** Distinct (type, reason, action, note) given a short id in series keys; the rest are keyed by their text. */
const KINDS_MAX = 1_024;

export class EventRecorder {
  private readonly series = new Map<string, Series>();
  /**
   * (type, reason, action, note) -> a number, in the series keys: a key per series spelt out the whole note, 0.69 MiB
   * of keys for 4,096 series at 10,000 resources; the kinds are few (one per note the operator writes). Bounded.
   */
  private readonly kinds = new Map<string, number>();
  private readonly api: KubeApi;
  /** core/v1 Events (involvedObject, count) instead of events.k8s.io/v1 (regarding, series). */
  private readonly core: boolean;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly windowMs: number;
  private readonly minIntervalMs: number;
  private readonly maxKeys: number;
  private readonly instance: string;
  private seq = 0;

  constructor(private readonly o: EventRecorderOptions) {
    this.api = new KubeApi(o.kubeConfig);
    this.core = (o.apiVersion ?? "events.k8s.io/v1") === "v1";
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? silentLogger;
    this.windowMs = o.windowMs ?? 10 * 60_000;
    this.minIntervalMs = o.minIntervalMs ?? 5_000;
    this.maxKeys = o.maxKeys ?? 4096;
    this.instance = utf8Prefix(o.reportingInstance ?? hostname(), REPORTING_INSTANCE_MAX_BYTES);
  }

  /** Records an event about `regarding`. Returns at once; the write happens in the background. */
  event(regarding: KubeObject, type: EventType, fullReason: string, note: string, fullAction = "Reconcile"): void {
    try {
      // Reason, action and note cut to the server's byte limits: an Event over any of them is refused whole.
      const reason = utf8Prefix(fullReason, REASON_MAX_BYTES);
      const action = utf8Prefix(fullAction, ACTION_MAX_BYTES);
      const now = this.clock.now();
      const meta = regarding.metadata ?? {};
      // One copy of a note many resources share ("Updated jupyterServerAppSettings...").
      const trimmed = intern(truncateUtf8(note, NOTE_MAX_BYTES, "..."));
      const key = [meta.uid ?? `${meta.namespace}/${meta.name}`, this.kindOf(type, reason, action, trimmed)].join(
        "\u0000",
      );
      let s = this.series.get(key);
      if (s && now - s.lastSeen > this.windowMs) {
        if (s.timer !== undefined) this.clock.clearTimeout(s.timer);
        s = undefined;
      }
      const ref: Regarding = {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      };
      if (!s) {
        s = {
          namespace: meta.namespace || "default",
          regarding: ref,
          type,
          reason,
          note: trimmed,
          action,
          count: 0,
          written: 0,
          firstSeen: now,
          lastSeen: now,
          lastWrite: Number.NEGATIVE_INFINITY,
          // Set later; declared here so they live inside the object (one added later needs a separate store).
          name: undefined,
          timer: undefined,
          inflight: undefined,
        };
      }
      s.count++;
      s.lastSeen = now;
      s.regarding = ref;
      this.series.delete(key); // re-insert: Map order is the LRU order
      this.series.set(key, s);
      this.evict();
      this.schedule(s);
    } catch (err) {
      this.log.warn({ reason: fullReason, err: String(err) }, "event dropped");
    }
  }

  /** Writes every coalesced repeat now and waits for all writes (tests, shutdown). */
  async flush(): Promise<void> {
    for (;;) {
      const pending: Promise<void>[] = [];
      for (const s of this.series.values()) {
        if (s.timer !== undefined) {
          this.clock.clearTimeout(s.timer);
          s.timer = undefined;
          this.write(s);
        }
        if (s.inflight) pending.push(s.inflight);
      }
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  private schedule(s: Series): void {
    if (s.inflight || s.timer !== undefined || s.count === s.written) return;
    const wait = s.lastWrite + this.minIntervalMs - this.clock.now();
    if (wait <= 0) this.write(s);
    else
      s.timer = this.clock.setTimeout(() => {
        s.timer = undefined;
        this.write(s);
      }, wait);
  }

  private write(s: Series): void {
    const count = s.count;
    s.lastWrite = this.clock.now();
    s.inflight = this.send(s, count)
      .then(
        () => {
          s.written = count;
        },
        (err: unknown) => {
          if (isForbidden(err))
            this.log.error(
              { reason: s.reason, count, err: errorMessage(err), hint: RBAC_HINT },
              "event write forbidden",
            );
          else this.log.warn({ reason: s.reason, count, err: errorMessage(err) }, "event write failed, dropped");
          s.written = count;
        },
      )
      .finally(() => {
        s.inflight = undefined;
        this.schedule(s);
      });
  }

  private async send(s: Series, count: number): Promise<void> {
    if (s.name) {
      try {
        await this.patchCount(s, count);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        s.name = undefined; // expired (Events have a TTL): start a new one
      }
    }
    s.name = this.eventName(s.regarding);
    await this.create(s, count);
  }

  private create(s: Series, count: number): Promise<unknown> {
    const regarding = s.regarding;
    const metadata = { name: s.name, namespace: s.namespace };
    const first = microTime(s.firstSeen);
    const last = microTime(s.lastSeen);
    if (this.core) {
      const body = {
        metadata,
        involvedObject: regarding,
        type: s.type,
        reason: s.reason,
        message: s.note,
        action: s.action,
        count,
        firstTimestamp: seconds(s.firstSeen),
        lastTimestamp: seconds(s.lastSeen),
        eventTime: first,
        source: { component: this.o.reportingController },
        reportingComponent: this.o.reportingController,
        reportingInstance: this.instance,
      };
      return this.api.create(collectionPath(this.events(s.namespace)), body);
    }
    const body = {
      metadata,
      eventTime: first,
      type: s.type,
      reason: s.reason,
      note: s.note,
      action: s.action,
      regarding,
      reportingController: this.o.reportingController,
      reportingInstance: this.instance,
      ...(count > 1 ? { series: { count, lastObservedTime: last } } : {}),
    };
    return this.api.create(collectionPath(this.events(s.namespace)), body);
  }

  private patchCount(s: Series, count: number): Promise<unknown> {
    const path = objectPath(this.events(s.namespace), s.name as string);
    const body = this.core
      ? { count, lastTimestamp: seconds(s.lastSeen) }
      : { series: { count, lastObservedTime: microTime(s.lastSeen) } };
    return this.api.patch(path, body, MERGE_PATCH);
  }

  private events(namespace: string): ResourceRef {
    return this.core
      ? { group: "", version: "v1", plural: "events", namespace }
      : { group: "events.k8s.io", version: "v1", plural: "events", namespace };
  }

  /** client-go's naming: `<object>.<unix nanos in hex>`, unique per recorder. */
  private eventName(regarding: Regarding): string {
    const nanos = BigInt(this.clock.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return `${regarding.name ?? "object"}.${nanos.toString(16)}`;
  }

  /** A short id of what an Event says; the text itself once the table is full. */
  private kindOf(type: EventType, reason: string, action: string, note: string): string | number {
    const what = [type, reason, action, note].join("\u0000");
    const known = this.kinds.get(what);
    if (known !== undefined) return known;
    if (this.kinds.size >= KINDS_MAX) return what;
    this.kinds.set(what, this.kinds.size);
    return this.kinds.size - 1;
  }

  private evict(): void {
    if (this.series.size <= this.maxKeys) return;
    for (const [key, s] of this.series) {
      if (this.series.size <= this.maxKeys) return;
      if (s.timer !== undefined) this.clock.clearTimeout(s.timer);
      this.series.delete(key);
    }
  }
}

/** metav1.Time: RFC 3339 in whole seconds. */
const seconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
