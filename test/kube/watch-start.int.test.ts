/**
 * What a watch request gets before and right after its stream starts, through the operator's own REST client (rest.ts)
 * against the local API server, which answers as kube-apiserver does (docs/fidelity.md, the watch table): a refused
 * query is an HTTP error with a Status body and no event; a watch the storage cannot serve is HTTP 200, then ERROR.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectionPath } from "../../src/kube/object.js";
import type { Query } from "../../src/kube/rest.js";
import { waitFor } from "../support/wait.js";
import {
  type Cluster,
  createProfile,
  ensureNamespace,
  expectInvalidListOptions,
  PROFILES,
  refusalOf,
  startCluster,
} from "./local.js";

let c: Cluster;
const NS = "watch-start";
const path = collectionPath({ ...PROFILES, namespace: NS });

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, NS);
  await createProfile(c.customObjects, NS, "existing");
});
afterAll(async () => {
  await c?.close();
});

interface Outcome {
  events: Array<{ type: string; object: Record<string, unknown> }>;
  /** undefined: the server ended the stream whole. */
  err?: unknown;
}

/** Watches until the server ends the stream or, with `until`, until that many events came. */
function watch(query: Query, until?: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const events: Outcome["events"] = [];
    let stop: (() => void) | undefined;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      stop?.();
      resolve({ events, err });
    };
    void c.api
      .watch(
        path,
        query,
        (type, object) => {
          events.push({ type, object: object as Record<string, unknown> });
          if (until !== undefined && events.length >= until) finish();
        },
        finish,
      )
      .then((req) => {
        stop = () => req.abort();
        if (done) req.abort();
      });
  });
}

/** The HTTP status and Status body of a watch refused before its stream started. */
async function refusal(query: Query) {
  const { events, err } = await watch(query);
  expect(events).toEqual([]);
  return refusalOf(err);
}

describe("watch start (local API server, operator's REST client)", () => {
  it("an unparsable resourceVersion is HTTP 500 with no reason and ParseUint's message, before any header", async () => {
    for (const [rv, why] of [
      ["abc", "invalid syntax"],
      ["-1", "invalid syntax"],
      ["+5", "invalid syntax"],
      ["1e3", "invalid syntax"],
      ["18446744073709551616", "value out of range"],
    ]) {
      const { code, status } = await refusal({ resourceVersion: rv });
      expect(code).toBe(500);
      expect(status).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": ${why}`,
        code: 500,
      });
    }
  });

  it("an unparsable timeoutSeconds or limit is 400 BadRequest with ParseInt's message", async () => {
    for (const [query, text] of [
      [{ timeoutSeconds: "abc" }, 'strconv.ParseInt: parsing "abc": invalid syntax'],
      [{ timeoutSeconds: "1.5" }, 'strconv.ParseInt: parsing "1.5": invalid syntax'],
      [
        { timeoutSeconds: "9223372036854775808" },
        'strconv.ParseInt: parsing "9223372036854775808": value out of range',
      ],
      [{ limit: "ten" }, 'strconv.ParseInt: parsing "ten": invalid syntax'],
    ] as const) {
      const { code, status } = await refusal(query);
      expect(code).toBe(400);
      expect(status).toMatchObject({ reason: "BadRequest", message: text, code: 400 });
    }
  });

  it("a selector that does not parse, or a field label the resource lacks, is 400 before the resourceVersion is read", async () => {
    const badLabels = await refusal({ labelSelector: "a=(b", resourceVersion: "abc" });
    expect(badLabels.code).toBe(400);
    expect(badLabels.status.reason).toBe("BadRequest");
    const badField = await refusal({ fieldSelector: "spec.nothing=x", resourceVersion: "abc" });
    expect(badField).toMatchObject({ code: 400, status: { message: "field label not supported: spec.nothing" } });
  });

  it("resourceVersionMatch and sendInitialEvents out of their rules are 422 Invalid ListOptions, before the resourceVersion is read", async () => {
    const cases: Array<[Query, string[]]> = [
      [
        { resourceVersion: "abc", resourceVersionMatch: "NotOlderThan" },
        [
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        ],
      ],
      [
        { resourceVersion: "5", sendInitialEvents: true },
        ["resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"],
      ],
      [
        { sendInitialEvents: false, resourceVersionMatch: "Exact" },
        [
          "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
          'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"',
        ],
      ],
    ];
    for (const [query, errors] of cases) expectInvalidListOptions(await refusal(query), errors);
  });

  it("a watch from now or from the current state: the defaults of a watch from no resourceVersion, and Go's booleans", async () => {
    // No resourceVersion: the current state, then (bookmarks allowed, here as "1") the initial-events-end bookmark.
    const fromState = await watch({ allowWatchBookmarks: "1" }, 2);
    expect(fromState.events.map((e) => e.type)).toEqual(["ADDED", "BOOKMARK"]);
    expect(fromState.events[1]?.object.metadata).toMatchObject({
      annotations: { "k8s.io/initial-events-end": "true" },
    });
    // sendInitialEvents=false: from now, so no ADDED for what exists; the next change is the first event.
    await waitFor("the earlier watch closed", () => c.kube.stats().openWatches === 0);
    const fromNow = watch({ sendInitialEvents: "False", resourceVersionMatch: "NotOlderThan" }, 1);
    await waitFor("the watch registered", () => c.kube.stats().openWatches === 1);
    await createProfile(c.customObjects, NS, "after-start");
    const first = (await fromNow).events[0];
    expect(first).toMatchObject({ type: "ADDED", object: { metadata: { name: "after-start" } } });
  });

  it("a GET of one named object with ?watch=true is a get: the object, not a stream", async () => {
    const got = await c.api.get<{ kind: string; metadata: { name: string } }>(`${path}/existing`, { watch: true });
    expect(got).toMatchObject({ kind: "SageMakerUserProfile", metadata: { name: "existing" } });
  });

  it("a negative timeoutSeconds is HTTP 200 and an end at once; a resourceVersion ahead of the store with sendInitialEvents is ERROR 504", async () => {
    expect(await watch({ timeoutSeconds: -1 })).toEqual({ events: [], err: undefined });
    const ahead = await watch({
      resourceVersion: "999999999",
      sendInitialEvents: true,
      resourceVersionMatch: "NotOlderThan",
    });
    expect(ahead.err).toBeUndefined();
    expect(ahead.events).toHaveLength(1);
    expect(ahead.events[0]).toMatchObject({
      type: "ERROR",
      object: { code: 504, reason: "Timeout", details: { retryAfterSeconds: 1 } },
    });
    expect(String(ahead.events[0]?.object.message)).toMatch(
      /^Timeout: Too large resource version: 999999999, current: \d+$/,
    );
  });
});
