/**
 * No secret reaches the logs: AWS credentials, session tokens, signed request headers, kubeconfig tokens and bearer
 * headers pass through the operator's logger on the paths that could carry them (errors from the real SageMaker SDK,
 * the signed request objects it sends, client-node config and errors, messages) and come out masked.
 */
import { Writable } from "node:stream";
import { DescribeUserProfileCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { type LocalKube, startLocalKube } from "@sagemaker-profile-operator/local-stack/kube";
import { type SageMakerEmulator, startSageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, REDACTED, scrubString } from "../../src/operator/log.js";

// Credential-shaped values (the AWS documentation's examples, and made-up tokens).
const ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const TEMP_ACCESS_KEY_ID = "ASIAQWERTYUIOPASDFGH";
const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN = `IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD${"x7Kq9".repeat(60)}`;
const KUBE_TOKEN = `eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.${"sig_-".repeat(20)}`;
const SECRETS = [ACCESS_KEY_ID, TEMP_ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, KUBE_TOKEN];

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level: "debug" }, stream), text: () => lines.join("") };
}

const leaked = (text: string) => SECRETS.filter((s) => text.includes(s) || text.includes(s.slice(0, 30)));

let emulator: SageMakerEmulator;
let kube: LocalKube;
beforeAll(async () => {
  emulator = await startSageMakerEmulator({ port: 0 });
  kube = await startLocalKube({ token: KUBE_TOKEN });
});
afterAll(async () => {
  await emulator?.close();
  await kube?.close();
});

describe("log redaction", () => {
  it("masks the signed request the SDK sends (Authorization, x-amz-security-token) and its errors", async () => {
    const { log, text } = capture();
    // Temporary credentials the emulator's STS issued (it refuses a session token it did not issue).
    const role = "arn:aws:iam::123456789012:role/redaction";
    emulator.sts.setRole({ arn: role, trustedPrincipals: ["123456789012"] });
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: emulator.url,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    });
    const issued = (await sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: "redaction" }))).Credentials;
    sts.destroy();
    const temporary = {
      accessKeyId: issued?.AccessKeyId ?? "",
      secretAccessKey: issued?.SecretAccessKey ?? "",
      sessionToken: issued?.SessionToken ?? "",
    };
    const client = new SageMakerClient({
      region: "us-east-1",
      endpoint: emulator.url,
      credentials: temporary,
      maxAttempts: 1,
    });
    let request: unknown;
    client.middlewareStack.add(
      (next) => async (args) => {
        request = args.request; // signed by now
        return next(args);
      },
      { step: "deserialize" },
    );
    // A fault whose message quotes credentials, the way a misbehaving proxy or an SDK debug message might.
    emulator.admin.injectFault({
      op: "DescribeUserProfile",
      code: "ValidationException",
      message: `bad request from ${temporary.accessKeyId} with ${temporary.sessionToken}`,
      count: 1,
    });
    const err = await client
      .send(new DescribeUserProfileCommand({ DomainId: "d-xxxxxxxxxxxx", UserProfileName: "alice" }))
      .catch((e: unknown) => e);
    client.destroy();
    expect(err).toBeInstanceOf(Error);
    expect(JSON.stringify((request as { headers: object }).headers)).toContain(temporary.accessKeyId); // the test can fail
    log.error({ err }, "DescribeUserProfile failed");
    log.debug({ request }, "sent");
    log.warn({ config: { credentials: client.config.credentials } }, "client config");
    const out = text();
    expect(leaked(out)).toEqual([]);
    const issuedSecrets = [temporary.accessKeyId, temporary.secretAccessKey, temporary.sessionToken];
    expect(issuedSecrets.filter((s) => out.includes(s) || out.includes(s.slice(0, 30)))).toEqual([]);
    expect(out).toContain(REDACTED);
    // What a reader needs stays: the error's name and the operation.
    expect(out).toContain("ValidationException");
    expect(out).toContain("SageMaker.DescribeUserProfile");
  });

  it("masks kubeconfig tokens and bearer headers on client-node paths", async () => {
    const { log, text } = capture();
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig);
    const api = kc.makeApiClient(CustomObjectsApi);
    const err = await api
      .getNamespacedCustomObject({
        group: "sagemaker.gitops.io",
        version: "v1alpha1",
        plural: "sagemakeruserprofiles",
        namespace: "default",
        name: "missing",
      })
      .catch((e: unknown) => e);
    log.error({ err }, "read failed");
    log.info({ kubeconfig: kc.exportConfig(), users: kc.getUsers() }, "loaded kubeconfig");
    log.info({ headers: { Authorization: `Bearer ${KUBE_TOKEN}` } }, "request");
    log.info(`raw header Authorization: Bearer ${KUBE_TOKEN}`);
    const out = text();
    expect(kc.exportConfig()).toContain(KUBE_TOKEN); // the test can fail
    expect(leaked(out)).toEqual([]);
    expect(out).toContain("read failed");
    expect(out).toContain("404");
  });

  it("masks credentials inside messages and nested objects, and leaves look-alikes that are not secrets", () => {
    const { log, text } = capture();
    log.info(`env AWS_ACCESS_KEY_ID=${ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY=${SECRET_ACCESS_KEY}`);
    log.child({ session: { aws_session_token: SESSION_TOKEN } }).warn({ deep: [{ x: { y: SECRET_ACCESS_KEY } }] }, "x");
    log.error(new Error(`AccessDenied for ${ACCESS_KEY_ID}: Signature=${"ab".repeat(32)}`));
    const out = text();
    expect(leaked(out)).toEqual([]);
    expect(out).not.toContain("ab".repeat(32));
    // Not secrets: ARNs, drift paths, a 40-character lower-case name, profile names.
    const arn = "arn:aws:iam::123456789012:role/SageMakerStudio-TeamA";
    const path = "/userSettings/jupyterServerAppSettings/defaultResourceSpec/instanceType";
    const name = "a".repeat(40);
    expect(scrubString(`${arn} ${path} ${name} alice`)).toBe(`${arn} ${path} ${name} alice`);
  });

  it("scrubs a long adversarial line (eyJ runs with no dots, quadratic for a backtracking JWT pattern) and finishes", () => {
    // 600 KB: a backtracking engine needs about 10^11 steps here (minutes); RE2 is linear. The test's own timeout is
    // the only bound, on purpose: what is asserted is the outcome.
    const line = `${"eyJab-".repeat(100_000)} token ${KUBE_TOKEN} end`;
    const out = scrubString(line);
    expect(out).not.toContain(KUBE_TOKEN.slice(0, 30));
    expect(out.endsWith(`token ${REDACTED} end`)).toBe(true);
    expect(out.startsWith("eyJab-eyJab-")).toBe(true);
  });
});
