/**
 * Whether any SageMakerAccount exists, from a List that started after the profiles in question arrived: Lists shared
 * by a burst, none when nothing arrived since a List found no account, never a remembered account.
 */
import { describe, expect, it } from "vitest";
import { AccountPresence } from "../../src/operator/account-presence.js";

/** A List whose answer the test gives: `lists` counts them, `answer` settles the oldest one not yet settled. */
function server() {
  const pending: Array<{ resolve: (name: string | undefined) => void; reject: (err: Error) => void }> = [];
  let lists = 0;
  const presence = new AccountPresence(
    () =>
      new Promise<string | undefined>((resolve, reject) => {
        lists++;
        pending.push({ resolve, reject });
      }),
  );
  const settle = async (f: (p: (typeof pending)[number]) => void) => {
    const next = pending.shift();
    if (!next) throw new Error("no List in flight");
    f(next);
    for (let i = 0; i < 5; i++) await Promise.resolve(); // let the callers and the next List start
  };
  return {
    presence,
    lists: () => lists,
    answer: (name: string | undefined) => settle((p) => p.resolve(name)),
    fail: (err: Error) => settle((p) => p.reject(err)),
  };
}

/** A promise's state without waiting for it. */
async function state<T>(p: Promise<T>): Promise<"pending" | { value: T } | { error: unknown }> {
  let s: "pending" | { value: T } | { error: unknown } = "pending";
  p.then(
    (value) => {
      s = { value };
    },
    (error: unknown) => {
      s = { error };
    },
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return s;
}

describe("AccountPresence", () => {
  it("lists once while no profile arrived since a List found no account, and again after one did", async () => {
    const s = server();
    s.presence.profileArrived();
    const first = s.presence.anyAccount();
    await s.answer(undefined);
    expect(await first).toBeUndefined();
    expect(await s.presence.anyAccount()).toBeUndefined();
    expect(s.lists()).toBe(1);
    s.presence.profileArrived();
    const after = s.presence.anyAccount();
    expect(s.lists()).toBe(2);
    await s.answer(undefined);
    expect(await after).toBeUndefined();
  });

  it("a profile that arrived while a List was in flight waits for the next List, one shared by every such caller", async () => {
    const s = server();
    s.presence.profileArrived();
    const early = s.presence.anyAccount();
    const alsoEarly = s.presence.anyAccount(); // its profile arrived before the List started: it joins that List
    s.presence.profileArrived();
    const late = [s.presence.anyAccount(), s.presence.anyAccount(), s.presence.anyAccount()];
    expect(s.lists()).toBe(1);
    await s.answer(undefined);
    expect(await state(early)).toEqual({ value: undefined });
    expect(await state(alsoEarly)).toEqual({ value: undefined });
    // The first List cannot vouch for the later profiles: they wait for the second, which found the account.
    for (const p of late) expect(await state(p)).toBe("pending");
    expect(s.lists()).toBe(2);
    await s.answer("SageMakerAccount alpha");
    for (const p of late) expect(await p).toBe("SageMakerAccount alpha");
    expect(s.lists()).toBe(2);
  });

  it("never remembers an account it found: the next question lists again", async () => {
    const s = server();
    const first = s.presence.anyAccount();
    await s.answer("SageMakerAccount alpha");
    expect(await first).toBe("SageMakerAccount alpha");
    const again = s.presence.anyAccount();
    expect(s.lists()).toBe(2);
    await s.answer(undefined); // deleted since
    expect(await again).toBeUndefined();
  });

  it("an account change forgets that a List found none, even one in flight across the change", async () => {
    const s = server();
    const before = s.presence.anyAccount();
    await s.answer(undefined);
    await before;
    s.presence.accountsChanged();
    const across = s.presence.anyAccount();
    expect(s.lists()).toBe(2);
    s.presence.accountsChanged();
    await s.answer(undefined);
    expect(await across).toBeUndefined();
    const next = s.presence.anyAccount();
    expect(s.lists()).toBe(3);
    await s.answer(undefined);
    await next;
  });

  it("a failed List fails its callers, and the next caller lists again", async () => {
    const s = server();
    const failed = s.presence.anyAccount();
    const seen = failed.catch((err: unknown) => err);
    await s.fail(new Error("503 the API server is unavailable"));
    expect(String(await seen)).toContain("503");
    const retried = s.presence.anyAccount();
    expect(s.lists()).toBe(2);
    await s.answer(undefined);
    expect(await retried).toBeUndefined();
  });

  it("an aborted caller stops waiting; the List goes on for the others", async () => {
    const s = server();
    const abort = new AbortController();
    const stopped = s.presence.anyAccount(abort.signal);
    const other = s.presence.anyAccount();
    abort.abort(new Error("reconcile stopped"));
    expect(await state(stopped)).toEqual({ error: new Error("reconcile stopped") });
    await s.answer(undefined);
    expect(await other).toBeUndefined();
    expect(s.lists()).toBe(1);
  });
});
