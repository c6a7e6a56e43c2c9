/** The emulator's STS and its separate state per account and region, through the real SDK clients. */
import { DescribeDomainCommand, ListUserProfilesCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { type SageMakerEmulator, startSageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { manualClock } from "./helpers.js";

const HUB = "111111111111";
const SPOKE = "222222222222";
const SPOKE_ROLE = `arn:aws:iam::${SPOKE}:role/sagemaker-profile-operator`;
const OPERATOR = { accessKeyId: "operator", secretAccessKey: "secret" };
const OPERATOR_ARN = `arn:aws:iam::${HUB}:role/operator-irsa`;

let emu: SageMakerEmulator;
let clock: ReturnType<typeof manualClock>;

beforeEach(async () => {
  clock = manualClock(Date.now());
  emu = await startSageMakerEmulator({ seed: 3, accountId: HUB, now: clock.now });
  emu.sts.setIdentity(OPERATOR.accessKeyId, OPERATOR_ARN);
  emu.sts.setRole({ arn: SPOKE_ROLE, trustedPrincipals: [OPERATOR_ARN], externalId: "tenant-7" });
});
afterEach(() => emu.close());

type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;
const sts = (credentials: Credentials = OPERATOR) =>
  new STSClient({ region: "us-east-1", endpoint: emu.url, credentials, maxAttempts: 1 });
const sagemaker = (credentials: Credentials, region = "us-east-1") =>
  new SageMakerClient({ region, endpoint: emu.url, credentials, maxAttempts: 1 });
const assume = (input: Partial<AssumeRoleCommandInput> = {}) =>
  sts().send(new AssumeRoleCommand({ RoleArn: SPOKE_ROLE, RoleSessionName: "spo", ExternalId: "tenant-7", ...input }));
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { name: string; message: string }) => `${e.name}: ${e.message}`,
  );

describe("STS", () => {
  it("GetCallerIdentity answers the signer: a named identity, or a user of the default account", async () => {
    expect(await sts().send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: HUB,
      Arn: OPERATOR_ARN,
    });
    const other = await sts({ accessKeyId: "someone", secretAccessKey: "x" }).send(new GetCallerIdentityCommand({}));
    expect(other).toMatchObject({ Account: HUB, Arn: `arn:aws:iam::${HUB}:user/someone` });
  });

  it("AssumeRole issues credentials of the role's account; GetCallerIdentity through them names the session", async () => {
    const out = await assume({ DurationSeconds: 900 });
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${SPOKE}:assumed-role/sagemaker-profile-operator/spo`);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials?.Expiration?.getTime()).toBe(Math.floor(clock.now() / 1000) * 1000 + 900_000);
    const c = out.Credentials;
    const me = await sts({
      accessKeyId: c?.AccessKeyId ?? "",
      secretAccessKey: c?.SecretAccessKey ?? "",
      sessionToken: c?.SessionToken ?? "",
    }).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: SPOKE, Arn: out.AssumedRoleUser?.Arn });
  });

  it("refuses a caller the trust policy does not name, a wrong or missing ExternalId, and unknown roles (AccessDenied)", async () => {
    const denied = (arn: string) =>
      `AccessDenied: User: ${arn} is not authorized to perform: sts:AssumeRole on resource: ${SPOKE_ROLE}`;
    expect(await codeOf(assume({ ExternalId: "tenant-8" }))).toBe(denied(OPERATOR_ARN));
    expect(await codeOf(assume({ ExternalId: undefined }))).toBe(denied(OPERATOR_ARN));
    expect(
      await codeOf(
        sts({ accessKeyId: "intruder", secretAccessKey: "x" }).send(
          new AssumeRoleCommand({ RoleArn: SPOKE_ROLE, RoleSessionName: "x1", ExternalId: "tenant-7" }),
        ),
      ),
    ).toBe(denied(`arn:aws:iam::${HUB}:user/intruder`));
    expect(await codeOf(assume({ RoleArn: `arn:aws:iam::${SPOKE}:role/missing` }))).toContain("AccessDenied");
    // The trust policy is settable: once it names the account, the same call passes.
    emu.sts.setRole({ arn: SPOKE_ROLE, trustedPrincipals: [`arn:aws:iam::${HUB}:root`] });
    expect(await codeOf(assume({ ExternalId: undefined }))).toBe("ok");
  });

  it("refuses session tags unless the trust policy allows sts:TagSession", async () => {
    const tagged = assume({ Tags: [{ Key: "team", Value: "a" }] });
    expect(await codeOf(tagged)).toContain("not authorized to perform: sts:TagSession");
    emu.sts.setRole({ arn: SPOKE_ROLE, trustedPrincipals: [OPERATOR_ARN], allowSessionTags: true });
    await assume({ ExternalId: undefined, Tags: [{ Key: "team", Value: "a" }] });
    expect(emu.sts.sessions()[0]?.tags).toEqual([{ key: "team", value: "a" }]);
  });

  it.each([
    [
      { RoleSessionName: "a" },
      "at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    ],
    [{ RoleSessionName: "bad name" }, "Member must satisfy regular expression pattern: [\\w+=,.@-]*"],
    [{ RoleSessionName: "x".repeat(65) }, "Member must have length less than or equal to 64"],
    [
      { ExternalId: "a b" },
      "at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ],
    [{ DurationSeconds: 899 }, "Member must have value greater than or equal to 900"],
    [{ DurationSeconds: 43_201 }, "Member must have value less than or equal to 43200"],
    [
      { RoleArn: "arn:aws:iam::1:role" },
      "at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    ],
    [{ DurationSeconds: 7200 }, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."],
    [{ Policy: "{}" }, "emulator: AssumeRole parameter Policy is not supported"],
  ])("validates AssumeRole's input as the STS model does: %j", async (input, message) => {
    const answer = await codeOf(assume(input));
    expect(answer).toContain("ValidationError");
    expect(answer).toContain(message);
  });

  it("caps credential lifetimes on request, and SageMaker refuses expired or unknown temporary credentials", async () => {
    emu.sts.setCredentialLifetime(60);
    const out = await assume({ DurationSeconds: 3600 });
    expect(out.Credentials?.Expiration?.getTime()).toBe(Math.floor(clock.now() / 1000) * 1000 + 60_000);
    const c = out.Credentials;
    const creds = {
      accessKeyId: c?.AccessKeyId ?? "",
      secretAccessKey: c?.SecretAccessKey ?? "",
      sessionToken: c?.SessionToken ?? "",
    };
    const list = (credentials: typeof creds) =>
      codeOf(sagemaker(credentials).send(new ListUserProfilesCommand({ DomainIdEquals: "d-none00000001" })));
    expect(await list(creds)).toBe("ok");
    expect(await list({ ...creds, sessionToken: "forged" })).toBe(
      "UnrecognizedClientException: The security token included in the request is invalid.",
    );
    clock.advance(60_000);
    expect(await list(creds)).toBe("ExpiredTokenException: The security token included in the request is expired");
  });
});

describe("accounts and regions", () => {
  it("keeps separate state per account (the signer's) and region (the signature's)", async () => {
    emu.admin.createDomain({ domainId: "d-hub000000001" });
    emu.account(SPOKE, "eu-west-1").admin.createDomain({ domainId: "d-spoke0000001" });
    const spoke = fromTemporaryCredentials({
      params: { RoleArn: SPOKE_ROLE, ExternalId: "tenant-7", RoleSessionName: "spo" },
      masterCredentials: OPERATOR,
      clientConfig: { region: "us-east-1", endpoint: emu.url },
    });
    const describe = (client: SageMakerClient, domainId: string) =>
      client.send(new DescribeDomainCommand({ DomainId: domainId })).then(
        (d) => d.DomainArn,
        (e: Error) => e.name,
      );
    expect(await describe(sagemaker(spoke, "eu-west-1"), "d-spoke0000001")).toBe(
      `arn:aws:sagemaker:eu-west-1:${SPOKE}:domain/d-spoke0000001`,
    );
    // The same domain id is not there for the hub account, nor for the spoke account in another region.
    expect(await describe(sagemaker(OPERATOR, "eu-west-1"), "d-spoke0000001")).toBe("ResourceNotFound");
    expect(await describe(sagemaker(spoke, "us-east-1"), "d-spoke0000001")).toBe("ResourceNotFound");
    expect(await describe(sagemaker(OPERATOR), "d-hub000000001")).toBe(
      `arn:aws:sagemaker:us-east-1:${HUB}:domain/d-hub000000001`,
    );
    const log = emu.requests("DescribeDomain").map((r) => `${r.account}/${r.region}`);
    expect(log).toEqual([`${SPOKE}/eu-west-1`, `${HUB}/eu-west-1`, `${SPOKE}/us-east-1`, `${HUB}/us-east-1`]);
  });

  it("throttles each account and region on its own buckets", async () => {
    emu.admin.configure({ throttle: { rps: 0.001, burst: 1 } });
    const list = (region: string) => codeOf(sagemaker(OPERATOR, region).send(new ListUserProfilesCommand({})));
    expect(await list("us-east-1")).toBe("ok");
    expect(await list("us-east-1")).toContain("ThrottlingException");
    expect(await list("us-west-2")).toBe("ok");
  });
});

describe("the admin API over HTTP", () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_admin/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it("sets roles, identities and credential lifetimes, and seeds another account and region", async () => {
    const role = `arn:aws:iam::${SPOKE}:role/http`;
    expect((await admin("POST", "sts/roles", { arn: role, trustedPrincipals: [HUB] })).status).toBe(200);
    expect(
      (await admin("POST", "sts/identities", { accessKeyId: "ci", arn: `arn:aws:iam::${HUB}:user/ci` })).status,
    ).toBe(200);
    expect((await admin("POST", "sts/config", { credentialLifetimeSeconds: 30 })).status).toBe(200);
    const out = await sts({ accessKeyId: "ci", secretAccessKey: "x" }).send(
      new AssumeRoleCommand({ RoleArn: role, RoleSessionName: "http" }),
    );
    expect(out.Credentials?.Expiration?.getTime()).toBe(Math.floor(clock.now() / 1000) * 1000 + 30_000);
    expect((await admin("GET", "sts/sessions")).json).toMatchObject([
      { arn: `arn:aws:sts::${SPOKE}:assumed-role/http/http` },
    ]);

    const seeded = await admin("POST", `accounts/${SPOKE}/ap-south-1/domains`, { domainId: "d-http00000001" });
    expect(seeded.json.domainArn).toBe(`arn:aws:sagemaker:ap-south-1:${SPOKE}:domain/d-http00000001`);
    expect((await admin("GET", `accounts/${SPOKE}/ap-south-1/domains/d-http00000001`)).status).toBe(200);
    expect((await admin("GET", "domains/d-http00000001")).status).toBe(404);
    expect((await admin("POST", `accounts/${SPOKE}/ap-south-1/throttle`, { rps: 1 })).status).toBe(200);
    expect((await admin("POST", `accounts/${SPOKE}/ap-south-1/config`, {})).status).toBe(400);
    expect((await admin("POST", "accounts/12/ap-south-1/domains", {})).status).toBe(400);
    expect((await admin("DELETE", `sts/roles/${role}`)).json).toEqual({ deleted: true });
  });
});
