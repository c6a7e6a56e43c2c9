/**
 * Event validation as kube-apiserver applies it (pkg/apis/core/validation/events.go), through the real client-node:
 * events.k8s.io/v1 writes get the strict rules, core v1 writes the legacy ones, and every limit counts UTF-8 bytes.
 */
import {
  type CoreV1Event,
  type EventsV1Event,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/wait.js";
import { type Env, failure, freshNamespace, startEnv } from "./helpers.js";

let env: Env;
let ns: string;
beforeAll(async () => {
  env = await startEnv();
  ns = await freshNamespace(env, "ev");
});
afterAll(() => env.kube.close());

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
let n = 0;

/** A valid events.k8s.io/v1 Event about a profile in the test namespace, with `extra` laid over it. */
function eventV1(extra: Partial<EventsV1Event> = {}): EventsV1Event {
  return {
    metadata: { name: `e${++n}` },
    eventTime: new V1MicroTime(),
    reportingController: "sagemaker.gitops.io/operator",
    reportingInstance: "operator-0",
    action: "Reconcile",
    reason: "Updated",
    type: "Normal",
    note: "profile updated",
    regarding: { apiVersion: "sagemaker.gitops.io/v1alpha1", kind: "SageMakerUserProfile", name: "p", namespace: ns },
    ...extra,
  };
}

/** The causes of the 422 a create of `body` through events.k8s.io/v1 gets. */
async function refusedV1(body: EventsV1Event) {
  const status = await failure(env.events.createNamespacedEvent({ namespace: ns, body }));
  expect(status.code).toBe(422);
  expect(status.reason).toBe("Invalid");
  return status.details?.causes ?? [];
}

const twoByte = (chars: number) => "é".repeat(chars); // 2 bytes a character in UTF-8

describe("events.k8s.io/v1 Event creates", () => {
  it("accept a valid Event, and a note of exactly 1024 bytes", async () => {
    await env.events.createNamespacedEvent({ namespace: ns, body: eventV1() });
    const full = await env.events.createNamespacedEvent({ namespace: ns, body: eventV1({ note: twoByte(512) }) });
    expect(full.note).toBe(twoByte(512));
  });

  it("refuse a note over 1024 bytes even when it has fewer than 1024 characters, at the internal path `message`", async () => {
    const causes = await refusedV1(eventV1({ note: twoByte(513) }));
    expect(causes).toEqual([
      { reason: "FieldValueInvalid", field: "message", message: 'Invalid value: "": can have at most 1024 characters' },
    ]);
  });

  it("refuse a reason, action or reportingInstance over 128 bytes", async () => {
    expect(await refusedV1(eventV1({ reason: twoByte(65) }))).toEqual([
      { reason: "FieldValueInvalid", field: "reason", message: 'Invalid value: "": can have at most 128 characters' },
    ]);
    expect(await refusedV1(eventV1({ action: "A".repeat(129) }))).toEqual([
      { reason: "FieldValueInvalid", field: "action", message: 'Invalid value: "": can have at most 128 characters' },
    ]);
    expect(await refusedV1(eventV1({ reportingInstance: "i".repeat(129) }))).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "reportingInstance",
        message: 'Invalid value: "": can have at most 128 characters',
      },
    ]);
  });

  it("require reason, action, reportingController and reportingInstance", async () => {
    const causes = await refusedV1(
      eventV1({ reason: undefined, action: undefined, reportingController: undefined, reportingInstance: undefined }),
    );
    expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "reportingController: Required value",
      'reportingController: Invalid value: "": name part must be non-empty',
      expect.stringMatching(/^reportingController: Invalid value: "": name part must consist of alphanumeric/),
      "reportingInstance: Required value",
      "action: Required value",
      "reason: Required value",
    ]);
  });

  it("refuse a reportingController that is not a qualified name", async () => {
    const spaced = await refusedV1(eventV1({ reportingController: "my operator" }));
    expect(spaced).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "reportingController",
        message:
          "Invalid value: \"my operator\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      },
    ]);
    const slashes = await refusedV1(eventV1({ reportingController: "a/b/c" }));
    expect(slashes[0]?.message).toMatch(/^Invalid value: "a\/b\/c": a valid label key must consist of/);
    const prefix = await refusedV1(eventV1({ reportingController: "Example.COM/operator" }));
    expect(prefix[0]?.message).toMatch(/^Invalid value: "Example.COM\/operator": prefix part a lowercase RFC 1123/);
    const long = await refusedV1(eventV1({ reportingController: `x/${"n".repeat(64)}` }));
    expect(long[0]?.message).toMatch(/name part must be no more than 63 bytes$/);
  });

  it("require eventTime and a type of Normal or Warning", async () => {
    // Without eventTime the Event is judged "old": only the namespaces and eventTime itself are checked.
    expect(await refusedV1(eventV1({ eventTime: undefined as unknown as V1MicroTime }))).toEqual([
      { reason: "FieldValueRequired", field: "eventTime", message: "Required value" },
    ]);
    expect(await refusedV1(eventV1({ type: "Info" }))).toEqual([
      { reason: "FieldValueInvalid", field: "type", message: 'Invalid value: "": has invalid value: Info' },
    ]);
  });

  it("refuse a series with a count under 2 or no lastObservedTime", async () => {
    expect(await refusedV1(eventV1({ series: { count: 1, lastObservedTime: new V1MicroTime() } }))).toEqual([
      { reason: "FieldValueInvalid", field: "series.count", message: 'Invalid value: "": should be at least 2' },
    ]);
    const noTime = await refusedV1(eventV1({ series: { count: 2 } as never }));
    expect(noTime).toEqual([
      { reason: "FieldValueRequired", field: "series.lastObservedTime", message: "Required value" },
    ]);
  });

  it("refuse the deprecated core fields, which must stay unset", async () => {
    const causes = await refusedV1(
      eventV1({
        deprecatedCount: 3,
        deprecatedFirstTimestamp: new Date(),
        deprecatedLastTimestamp: new Date(),
        deprecatedSource: { component: "x" },
      }),
    );
    expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'firstTimestamp: Invalid value: "": needs to be unset',
      'lastTimestamp: Invalid value: "": needs to be unset',
      'count: Invalid value: "": needs to be unset',
      'source: Invalid value: "": needs to be unset',
    ]);
  });

  it("refuse a regarding object without a namespace outside default and kube-system", async () => {
    const cluster = { apiVersion: "v1", kind: "Namespace", name: ns };
    expect(await refusedV1(eventV1({ regarding: cluster }))).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "involvedObject.namespace",
        message: 'Invalid value: "": does not match event.namespace',
      },
    ]);
    const inDefault = await env.events.createNamespacedEvent({
      namespace: "default",
      body: eventV1({ regarding: cluster }),
    });
    expect(inDefault.regarding?.name).toBe(ns);
  });
});

describe("unknown Event fields", () => {
  // CustomObjectsApi sends the body as given; the typed Event APIs would drop unknown fields before sending.
  const EVENTS = { group: "events.k8s.io", version: "v1", plural: "events" };

  it("are refused under fieldValidation=Strict, in the shape the client sent (message is core v1, not events.k8s.io/v1)", async () => {
    const status = await failure(
      env.custom.createNamespacedCustomObject({
        ...EVENTS,
        namespace: ns,
        body: {
          ...eventV1(),
          eventTime: new V1MicroTime().toISOString(),
          message: "core name",
          regarding: { kind: "Pod", name: "p", namespace: ns, color: "red" },
        },
        fieldValidation: "Strict",
      }),
    );
    expect(status.code).toBe(400);
    expect(status.message).toBe(
      'Event in version "v1" cannot be handled as a Event: strict decoding error: unknown field "message", unknown field "regarding.color"',
    );
  });

  it("are dropped otherwise", async () => {
    const created = (await env.custom.createNamespacedCustomObject({
      ...EVENTS,
      namespace: ns,
      body: { ...eventV1(), eventTime: new V1MicroTime().toISOString(), message: "core name" },
    })) as EventsV1Event & { message?: string };
    expect(created.note).toBe("profile updated");
    expect(created.message).toBeUndefined();
  });
});

describe("events.k8s.io/v1 Event updates", () => {
  it("may move the series on, and nothing else", async () => {
    const created = await env.events.createNamespacedEvent({ namespace: ns, body: eventV1() });
    const name = created.metadata?.name as string;
    const moved = await env.events.patchNamespacedEvent(
      { namespace: ns, name, body: { series: { count: 2, lastObservedTime: new V1MicroTime() } } },
      mergePatch,
    );
    expect(moved.series?.count).toBe(2);

    const backwards = await failure(
      env.events.patchNamespacedEvent({ namespace: ns, name, body: { series: { count: 1 } } }, mergePatch),
    );
    expect(backwards.code).toBe(422);
    expect(backwards.details?.causes).toEqual([
      { reason: "FieldValueInvalid", field: "series.count", message: 'Invalid value: "": should be at least 2' },
    ]);

    const rewritten = await failure(
      env.events.patchNamespacedEvent({ namespace: ns, name, body: { note: "changed", reason: "Other" } }, mergePatch),
    );
    expect(rewritten.code).toBe(422);
    // ValidateEventUpdate checks reason twice: the causes list it twice, the message once.
    const reason = {
      reason: "FieldValueInvalid",
      field: "reason",
      message: 'Invalid value: "Other": field is immutable',
    };
    expect(rewritten.details?.causes).toEqual([
      reason,
      { reason: "FieldValueInvalid", field: "message", message: 'Invalid value: "changed": field is immutable' },
      reason,
    ]);
    expect(rewritten.message).toBe(
      `Event.events.k8s.io "${name}" is invalid: [reason: Invalid value: "Other": field is immutable, message: Invalid value: "changed": field is immutable]`,
    );
  });
});

describe("core v1 Event writes", () => {
  const involved = () => ({
    apiVersion: "sagemaker.gitops.io/v1alpha1",
    kind: "SageMakerUserProfile",
    name: "p",
    namespace: ns,
  });

  it("with an eventTime get the reporting checks, named by their core v1 fields", async () => {
    const body: CoreV1Event = {
      metadata: { name: `c${++n}` },
      involvedObject: involved(),
      eventTime: new V1MicroTime(),
      reason: "Updated",
      action: "Reconcile",
      reportingInstance: "operator-0",
      message: twoByte(600),
    };
    const status = await failure(env.core.createNamespacedEvent({ namespace: ns, body }));
    expect(status.code).toBe(422);
    expect(status.details?.causes?.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "reportingComponent: Required value",
      'reportingComponent: Invalid value: "": name part must be non-empty',
      expect.stringMatching(/^reportingComponent: Invalid value: "": name part must consist of/),
      'message: Invalid value: "": can have at most 1024 characters',
    ]);
  });

  it("without an eventTime get only the namespace check, as old clients expect", async () => {
    const old: CoreV1Event = {
      metadata: { name: `c${++n}` },
      involvedObject: involved(),
      reason: "Updated",
      message: twoByte(600),
      count: 1,
      firstTimestamp: new Date(),
    };
    const created = await env.core.createNamespacedEvent({ namespace: ns, body: old });
    expect(created.message).toBe(twoByte(600));
    // ...and may change anything (count, message) on update.
    const bumped = await env.core.patchNamespacedEvent(
      { namespace: ns, name: created.metadata?.name as string, body: { count: 2, message: "again" } },
      mergePatch,
    );
    expect(bumped.count).toBe(2);

    const elsewhere = await failure(
      env.core.createNamespacedEvent({
        namespace: ns,
        body: { ...old, metadata: { name: `c${++n}` }, involvedObject: { ...involved(), namespace: "other" } },
      }),
    );
    expect(elsewhere.details?.causes).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "involvedObject.namespace",
        message: 'Invalid value: "other": does not match event.namespace',
      },
    ]);
  });
});

describe("Event expiry (kube-apiserver --event-ttl)", () => {
  it("deletes an Event once its TTL has run out since the last write", async () => {
    const short = await startEnv({ eventTtlMs: 200 });
    try {
      const ttlNs = await freshNamespace(short, "ttl");
      await short.core.createNamespacedConfigMap({ namespace: ttlNs, body: { metadata: { name: "kept" } } });
      const created = await short.events.createNamespacedEvent({
        namespace: ttlNs,
        body: { ...eventV1(), regarding: { kind: "Pod", name: "p", namespace: ttlNs } },
      });
      const name = created.metadata?.name as string;
      const gone = () =>
        short.events.readNamespacedEvent({ namespace: ttlNs, name }).then(
          () => false,
          () => true,
        );
      await waitFor("expiry", gone);
      expect((await failure(short.events.readNamespacedEvent({ namespace: ttlNs, name }))).code).toBe(404);
      // only Events expire
      const kept = await short.core.readNamespacedConfigMap({ namespace: ttlNs, name: "kept" });
      expect(kept.metadata?.name).toBe("kept");
    } finally {
      await short.kube.close();
    }
  });

  it("expireEvents deletes every Event at once, and watchers see DELETED", async () => {
    const created = await env.events.createNamespacedEvent({ namespace: ns, body: eventV1() });
    const list = await env.events.listNamespacedEvent({ namespace: ns });
    const seen: string[] = [];
    const watch = new Watch(env.kc);
    const controller = await watch.watch(
      `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      { resourceVersion: list.metadata?.resourceVersion },
      (type, obj: EventsV1Event) => seen.push(`${type} ${obj.metadata?.name}`),
      () => {},
    );
    try {
      env.kube.faults.expireEvents();
      await waitFor("the DELETED event", () => seen.includes(`DELETED ${created.metadata?.name}`));
      expect((await env.events.listNamespacedEvent({ namespace: ns })).items).toEqual([]);
    } finally {
      controller.abort();
    }
  });
});
