/** The operator's own account, learnt from GetCallerIdentity once; a failure is an answer until the retry period. */
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/kube/index.js";
import { OwnIdentityCache } from "../../src/operator/own-identity.js";
import { FakeClock } from "../support/fake-clock.js";

const RETRY_MS = 30_000;

function cache(answers: Array<string | Error>, accountId?: string) {
  const clock = new FakeClock();
  let asked = 0;
  const own = new OwnIdentityCache({
    accountId,
    whoAmI: async () => {
      const answer = answers[Math.min(asked++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return { account: answer as string, arn: `arn:aws:iam::${answer}:user/local` };
    },
    region: "eu-west-1",
    retryMs: RETRY_MS,
    clock,
    log: silentLogger,
  });
  return { own, clock, asked: () => asked };
}

describe("OwnIdentityCache", () => {
  it("asks STS once for every caller, and gives the account with the operator's region", async () => {
    const c = cache(["123456789012"]);
    const answers = await Promise.all([c.own.get(), c.own.get(), c.own.get()]);
    expect(answers).toEqual(Array(3).fill({ accountId: "123456789012", region: "eu-west-1" }));
    c.clock.advance(10 * RETRY_MS);
    expect(await c.own.get()).toEqual({ accountId: "123456789012", region: "eu-west-1" });
    expect([c.asked(), c.own.accountId]).toEqual([1, "123456789012"]);
  });

  it("with the account configured (--aws-account-id), answers it at once and never asks STS", async () => {
    const c = cache([new Error("STS is out of reach")], "210987654321");
    expect(c.own.accountId).toBe("210987654321");
    expect(await c.own.get()).toEqual({ accountId: "210987654321", region: "eu-west-1" });
    c.clock.advance(10 * RETRY_MS);
    expect(await c.own.get()).toEqual({ accountId: "210987654321", region: "eu-west-1" });
    expect(c.asked()).toBe(0);
  });

  it("a failure is unknown (with the STS error) until the retry period has passed, then STS is asked again", async () => {
    const c = cache([Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { name: "Error" }), "123456789012"]);
    expect(await c.own.get()).toEqual({
      unknown: "GetCallerIdentity failed: Error: connect ECONNREFUSED 127.0.0.1:9",
    });
    c.clock.advance(RETRY_MS - 1);
    expect(await c.own.get()).toMatchObject({ unknown: expect.stringContaining("ECONNREFUSED") });
    expect([c.asked(), c.own.accountId]).toEqual([1, undefined]);
    c.clock.advance(1);
    expect(await c.own.get()).toEqual({ accountId: "123456789012", region: "eu-west-1" });
    expect(c.asked()).toBe(2);
  });

  it("an answer that is not a 12-digit account is not taken for one", async () => {
    const c = cache([""]);
    expect(await c.own.get()).toEqual({ unknown: 'GetCallerIdentity answered account ""' });
    expect(c.own.accountId).toBeUndefined();
  });
});
