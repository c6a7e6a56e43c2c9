/** Assumed-role credentials through the SDK's provider against the emulator's STS: cached, refreshed ahead of expiry. */
import { type SageMakerEmulator, startSageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assumedRoleCredentials, getCallerIdentity } from "../../src/sagemaker/index.js";
import { FakeClock } from "../support/fake-clock.js";

const ROLE = "arn:aws:iam::222222222222:role/spoke";
const HUB = { accessKeyId: "hub", secretAccessKey: "secret" };
let emu: SageMakerEmulator;
let clock: FakeClock;

beforeEach(async () => {
  clock = new FakeClock(Date.now());
  // The emulator and the cache read the same clock, so expiry is decided by the test, not by waiting.
  emu = await startSageMakerEmulator({ accountId: "111111111111", now: () => clock.now() });
  emu.sts.setRole({ arn: ROLE, trustedPrincipals: ["111111111111"], externalId: "ext" });
});
afterEach(() => emu.close());

const credentials = () =>
  assumedRoleCredentials({
    roleArn: ROLE,
    externalId: "ext",
    sessionName: "test",
    region: "us-east-1",
    endpoint: emu.url,
    masterCredentials: HUB,
    durationSeconds: 900,
    clock,
  });
const assumeRoles = () => emu.calls().AssumeRole?.ok ?? 0;

describe("assumedRoleCredentials", () => {
  it("reuses the credentials until a quarter of their lifetime is left, then assumes the role again", async () => {
    const c = credentials();
    const first = await c.provider();
    expect(first.accessKeyId).toMatch(/^ASIA/);
    expect(c.expiry()).toBe(first.expiration?.getTime());
    clock.advance(600_000); // 300 s left of 900: more than a quarter
    expect((await c.provider()).accessKeyId).toBe(first.accessKeyId);
    expect(assumeRoles()).toBe(1);
    clock.advance(100_000); // 200 s left: less than a quarter
    const second = await c.provider();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(assumeRoles()).toBe(2);
  });

  it("shares one AssumeRole between concurrent callers", async () => {
    const c = credentials();
    const all = await Promise.all([c.provider(), c.provider(), c.provider()]);
    expect(new Set(all.map((x) => x.accessKeyId)).size).toBe(1);
    expect(assumeRoles()).toBe(1);
  });

  it("GetCallerIdentity through them names the role's account and session", async () => {
    const me = await getCallerIdentity(credentials().provider, "us-east-1", emu.url);
    expect(me).toEqual({ account: "222222222222", arn: "arn:aws:sts::222222222222:assumed-role/spoke/test" });
  });

  it("a refused AssumeRole surfaces STS's AccessDenied naming the role", async () => {
    emu.sts.setRole({ arn: ROLE, trustedPrincipals: ["333333333333"] });
    await expect(getCallerIdentity(credentials().provider, "us-east-1", emu.url)).rejects.toThrow(
      `is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
    );
  });
});
