/** One SageMaker client per account and region: made on first use, kept while used, closed when idle or changed. */
import { describe, expect, it } from "vitest";
import type { SageMakerAccount } from "../../src/accounts/index.js";
import { SageMakerPool } from "../../src/operator/sagemaker-pool.js";
import { SageMakerGateway } from "../../src/sagemaker/index.js";
import { FakeClock } from "../support/fake-clock.js";

const MINUTE = 60_000;
const account = (name: string, generation = 1, roleArn?: string): SageMakerAccount => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerAccount",
  metadata: { name, generation },
  spec: {
    accountId: "111111111111",
    regions: ["us-east-1", "eu-west-1"],
    namespaceSelector: {},
    ...(roleArn ? { roleArn } : {}),
  },
});
const target = (name: string, region: string) => ({ account: name, accountId: "111111111111", region });

function pool(clock: FakeClock) {
  const made: Array<{ key: string; gateway: SageMakerGateway }> = [];
  const p = new SageMakerPool({
    makeGateway: (t) => {
      const gateway = new SageMakerGateway({
        region: t.region,
        endpoint: "http://127.0.0.1:9",
        credentials: { accessKeyId: "x", secretAccessKey: "y" },
        rps: 1,
        burst: 1,
        concurrency: 1,
        clock,
      });
      made.push({ key: `${t.account}/${t.region}`, gateway });
      return gateway;
    },
    stsRegion: "us-east-1",
    sessionName: "test",
    idleMs: 15 * MINUTE,
    clock,
  });
  return { p, made };
}

describe("SageMakerPool", () => {
  it("makes one client per account and region on first use and reuses it", () => {
    const clock = new FakeClock();
    const { p, made } = pool(clock);
    const a = p.get(target("alpha", "us-east-1"), account("alpha"));
    expect(p.get(target("alpha", "us-east-1"), account("alpha"))).toBe(a);
    expect(p.get(target("alpha", "eu-west-1"), account("alpha"))).not.toBe(a);
    expect(made.map((m) => m.key)).toEqual(["alpha/us-east-1", "alpha/eu-west-1"]);
    p.destroy();
  });

  it("an account and region is saturated while a call waits for its limiter, and only that one", async () => {
    const clock = new FakeClock();
    const { p } = pool(clock);
    const a = p.get(target("alpha", "us-east-1"), account("alpha"));
    p.get(target("beta", "us-east-1"), account("beta"));
    const release = await a.limiter.acquire("read"); // the burst's one token and the one slot
    expect(p.saturated("alpha/us-east-1")).toBe(false);
    const waiting = a.limiter.acquire("read");
    expect(p.saturated("alpha/us-east-1")).toBe(true);
    expect(p.saturated("beta/us-east-1")).toBe(false);
    expect(p.saturated("gamma/us-east-1")).toBe(false); // no client yet: nothing waits
    release();
    clock.advance(1_000);
    (await waiting)();
    expect(p.saturated("alpha/us-east-1")).toBe(false);
    p.destroy();
  });

  it("closes clients unused for the idle time, keeps the ones in use", () => {
    const clock = new FakeClock();
    const { p } = pool(clock);
    p.get(target("alpha", "us-east-1"), account("alpha"));
    p.get(target("beta", "us-east-1"), account("beta"));
    clock.advance(10 * MINUTE);
    p.get(target("beta", "us-east-1"), account("beta"));
    clock.advance(6 * MINUTE);
    expect(p.sweep()).toBe(1);
    expect(p.keys()).toEqual(["beta/us-east-1"]);
    p.destroy();
  });

  it("replaces the clients and credentials of an account whose spec changed, and forgets a deleted one", () => {
    const clock = new FakeClock();
    const { p } = pool(clock);
    const role = "arn:aws:iam::111111111111:role/spoke";
    const first = p.get(target("alpha", "us-east-1"), account("alpha", 1, role));
    const credentials = p.credentialsOf(account("alpha", 1, role));
    expect(credentials).toBeDefined();
    expect(p.credentialsOf(account("alpha", 1, role))).toBe(credentials);
    expect(p.get(target("alpha", "us-east-1"), account("alpha", 2, role))).not.toBe(first);
    expect(p.credentialsOf(account("alpha", 2, role))).not.toBe(credentials);
    expect(p.credentialsOf(account("alpha", 2))).toBeUndefined(); // no role: the operator's own identity
    p.forget("alpha");
    expect(p.keys()).toEqual([]);
    p.destroy();
  });
});
