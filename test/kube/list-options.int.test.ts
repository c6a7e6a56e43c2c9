/**
 * What a list request's query gets, through the operator's own REST client (rest.ts) against the local API server,
 * which checks it as kube-apiserver does (docs/fidelity.md, the watch table's list rows): decoding (400), validation
 * (422 Invalid ListOptions), the storage's own checks (400), and the resourceVersions it cannot serve (504, 410).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectionPath } from "../../src/kube/object.js";
import type { Query } from "../../src/kube/rest.js";
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
const NS = "list-options";
const path = collectionPath({ ...PROFILES, namespace: NS });

interface List {
  metadata: { resourceVersion: string; continue?: string };
  items: Array<{ metadata: { name: string } }>;
}

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, NS);
  await createProfile(c.customObjects, NS, "first");
  await createProfile(c.customObjects, NS, "second");
});
afterAll(async () => {
  await c?.close();
});

const list = (query: Query): Promise<List> => c.api.get<List>(path, query);

/** The HTTP status and Status body of a refused list. */
async function refusal(query: Query) {
  try {
    await list(query);
  } catch (err) {
    return refusalOf(err);
  }
  throw new Error(`the list with ${JSON.stringify(query)} was served`);
}

const names = (l: List) => l.items.map((i) => i.metadata.name);

describe("list options (local API server, operator's REST client)", () => {
  it("limit and timeoutSeconds go through ParseInt: anything but an optional sign and digits is 400 BadRequest", async () => {
    for (const [query, text] of [
      [{ limit: "1e3" }, 'strconv.ParseInt: parsing "1e3": invalid syntax'],
      [{ limit: "ten" }, 'strconv.ParseInt: parsing "ten": invalid syntax'],
      [{ limit: "9223372036854775808" }, 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
      [{ timeoutSeconds: "abc" }, 'strconv.ParseInt: parsing "abc": invalid syntax'],
      // decoded before the resourceVersion is read
      [{ timeoutSeconds: "1.5", resourceVersion: "abc" }, 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ] as const) {
      const { code, status } = await refusal(query);
      expect(code).toBe(400);
      expect(status).toMatchObject({ reason: "BadRequest", message: text, code: 400 });
    }
    // A negative limit parses and means no paging; a timeoutSeconds is read and does nothing to a list.
    const all = await list({ limit: -1, timeoutSeconds: 5 });
    expect(names(all)).toEqual(["first", "second"]);
    expect(all.metadata.continue).toBeUndefined();
  });

  it("resourceVersionMatch and sendInitialEvents out of the list rules are 422 Invalid ListOptions, before the resourceVersion is read", async () => {
    const cases: Array<[Query, string[]]> = [
      [
        { resourceVersionMatch: "NotOlderThan" },
        ["resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"],
      ],
      [
        { resourceVersion: "abc", resourceVersionMatch: "Newest", continue: "x" },
        [
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided",
          'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
        ],
      ],
      [
        { resourceVersion: "0", resourceVersionMatch: "Exact" },
        ['resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
      ],
      [{ sendInitialEvents: false }, ["sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"]],
    ];
    for (const [query, errors] of cases) expectInvalidListOptions(await refusal(query), errors);
  });

  it("the storage refuses an unparsable resourceVersion, or one beside continue, with 400 BadRequest (not the watch's 500)", async () => {
    for (const [rv, why] of [
      ["abc", "invalid syntax"],
      ["-1", "invalid syntax"],
      ["1e3", "invalid syntax"],
      ["18446744073709551616", "value out of range"],
    ]) {
      const { code, status } = await refusal({ resourceVersion: rv, resourceVersionMatch: "NotOlderThan" });
      expect(code).toBe(400);
      expect(status).toMatchObject({
        reason: "BadRequest",
        message: `invalid resource version: resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": ${why}`,
      });
    }
    const token = (await list({ limit: 1 })).metadata.continue;
    expect(token).toBeTruthy();
    expect(await refusal({ continue: token, resourceVersion: "1" })).toMatchObject({
      code: 400,
      status: { reason: "BadRequest", message: "specifying resource version is not allowed when using continue" },
    });
    // The token is checked first; resourceVersion "0" is allowed beside it.
    expect((await refusal({ continue: "%%%", resourceVersion: "1" })).status.message).toMatch(
      /^invalid continue token/,
    );
    expect(names(await list({ continue: token, resourceVersion: "0", limit: 1 }))).toEqual(["second"]);
  });

  it("a resourceVersion ahead of the store is 504 Timeout ResourceVersionTooLarge, whatever the match", async () => {
    const current = Number((await list({})).metadata.resourceVersion);
    for (const query of [
      { resourceVersion: "999999999" },
      { resourceVersion: "999999999", resourceVersionMatch: "NotOlderThan" },
      { resourceVersion: "999999999", resourceVersionMatch: "Exact" },
      { resourceVersion: "999999999", limit: 1 },
    ]) {
      const { code, status } = await refusal(query);
      expect(code).toBe(504);
      expect(status).toMatchObject({
        reason: "Timeout",
        details: {
          causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
          retryAfterSeconds: 1,
        },
      });
      expect(String(status.message)).toMatch(/^Timeout: Too large resource version: 999999999, current: \d+$/);
      expect(Number(/current: (\d+)/.exec(String(status.message))?.[1])).toBeGreaterThanOrEqual(current);
    }
  });

  it("an exact list is served at its resourceVersion while this resource is unchanged since, else 410 Expired", async () => {
    const before = (await list({})).metadata.resourceVersion;
    // Another resource's write moves the store's resourceVersion but not this resource's state at `before`.
    await ensureNamespace(c, "list-options-other");
    const exact = await list({ resourceVersion: before, resourceVersionMatch: "Exact" });
    expect(exact.metadata.resourceVersion).toBe(before);
    expect(names(exact)).toEqual(["first", "second"]);
    // The legacy exact list: a limit with a resourceVersion; its pages stay at that resourceVersion.
    const page = await list({ resourceVersion: before, limit: 1 });
    expect(page.metadata.resourceVersion).toBe(before);
    expect(names(page)).toEqual(["first"]);

    await createProfile(c.customObjects, NS, "third");
    for (const query of [
      { resourceVersion: before, resourceVersionMatch: "Exact" },
      { resourceVersion: before, limit: 1 },
    ]) {
      const { code, status } = await refusal(query);
      expect(code).toBe(410);
      expect(status).toMatchObject({
        reason: "Expired",
        message: "The resourceVersion for the provided list is too old.",
      });
    }
    // Not older than `before`: the newest state, at the newest resourceVersion.
    const newest = await list({ resourceVersion: before, resourceVersionMatch: "NotOlderThan" });
    expect(names(newest)).toEqual(["first", "second", "third"]);
    expect(Number(newest.metadata.resourceVersion)).toBeGreaterThan(Number(before));
  });

  it("resourceVersion 0 is served whole from the cache, whatever the limit", async () => {
    const whole = await list({ resourceVersion: "0", limit: 1 });
    expect(names(whole).length).toBeGreaterThan(1);
    expect(whole.metadata.continue).toBeUndefined();
  });
});
