/**
 * The client without the SDK middleware that does nothing for the operator (logger, Lambda recursion detection) and
 * with the endpoint resolved once per command class and its own request handler (src/sagemaker/http-handler.ts) sends,
 * call after call, the request the SDK's own client sends: method, path, headers (names, case and order) and body.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DescribeDomainCommand,
  DescribeUserProfileCommand,
  SageMakerClient,
  type SageMakerClientConfig,
} from "@aws-sdk/client-sagemaker";
import { afterEach, describe, expect, it } from "vitest";
import { createSageMakerClient } from "../../src/sagemaker/index.js";

interface Seen {
  method: string;
  httpVersion: string;
  /** Header names as sent, in order, with their case. */
  rawNames: string[];
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  delete process.env.AWS_ENDPOINT_URL_SAGEMAKER;
});

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}
const OK: Reply = { status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: "{}" };

async function recordingServer(reply: () => Reply = () => OK): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({
        method: String(req.method),
        httpVersion: req.httpVersion,
        rawNames: req.rawHeaders.filter((_, i) => i % 2 === 0),
        url: String(req.url),
        headers: req.headers,
        body,
      });
      const { status, headers, body: replyBody } = reply();
      res.writeHead(status, headers);
      res.end(replyBody);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Two calls of one command, then one of another: the second reuses the first's resolved endpoint. */
async function threeCalls(client: SageMakerClient): Promise<void> {
  try {
    await client.send(new DescribeDomainCommand({ DomainId: "d-1" }));
    await client.send(new DescribeDomainCommand({ DomainId: "d-2" }));
    await client.send(new DescribeUserProfileCommand({ DomainId: "d-1", UserProfileName: "p" }));
  } finally {
    client.destroy();
  }
}

/** What differs on every request by design: the signature, its date and the invocation id. */
function comparable({ method, httpVersion, rawNames, url, headers, body }: Seen) {
  const { authorization, "x-amz-date": date, "amz-sdk-invocation-id": id, ...rest } = headers;
  const signed = /SignedHeaders=([^,]+)/.exec(String(authorization))?.[1];
  const scope = /Credential=test\/\d+\/([^,]+)/.exec(String(authorization))?.[1];
  return { method, httpVersion, rawNames, url, headers: rest, body, signed, scope, date: typeof date, id: typeof id };
}

describe("SageMaker client middleware", () => {
  it("sends what the SDK's own client sends, on every call", async () => {
    const server = await recordingServer();
    const options: SageMakerClientConfig = { region: "eu-west-1", endpoint: server.url, credentials };
    await threeCalls(new SageMakerClient(options));
    await threeCalls(createSageMakerClient({ region: "eu-west-1", endpoint: server.url, credentials }));
    expect(server.seen).toHaveLength(6);
    const [sdk, ours] = [server.seen.slice(0, 3).map(comparable), server.seen.slice(3).map(comparable)];
    for (const seen of [...sdk, ...ours]) expect(seen.scope).toBe("eu-west-1/sagemaker/aws4_request");
    // The user agent's feature list differs by the retry strategy's configuration only (ours is a custom one).
    const withoutUa = (s: ReturnType<typeof comparable>) => ({ ...s, headers: { ...s.headers, "user-agent": "" } });
    expect(ours.map(withoutUa)).toEqual(sdk.map(withoutUa));
    // m/N: the endpoint override is still reported on every call, including the ones that reuse the endpoint.
    for (const seen of ours) expect(seen.headers["user-agent"]).toMatch(/ m\/\S*N/);
    // Built once per command class, the user agent still carries what the SDK's does (SDK, OS, Node, API versions).
    const withoutFeatures = (s: ReturnType<typeof comparable>) =>
      String(s.headers["user-agent"]).replace(/ m\/\S*/, "");
    expect(ours.map(withoutFeatures)).toEqual(sdk.map(withoutFeatures));
  });

  it("fails as the SDK's own client fails: a service error, and a response it cannot read", async () => {
    const replies: Reply[] = [
      {
        status: 400,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-1" },
        body: JSON.stringify({ __type: "ResourceNotFound", Message: "User profile p does not exist" }),
      },
      {
        status: 200,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-2" },
        body: "{",
      },
    ];
    const failures = async (client: SageMakerClient) => {
      const errors: unknown[] = [];
      try {
        for (let k = 0; k < replies.length; k++) {
          const error = await client
            .send(new DescribeUserProfileCommand({ DomainId: "d-1", UserProfileName: "p" }))
            .then(
              () => new Error("no failure"),
              (e: unknown) => e as Error & Record<string, unknown>,
            );
          const { name, message, $fault, $metadata } = error as Error & Record<string, unknown>;
          const response = (error as { $response?: { statusCode?: number } }).$response;
          errors.push({ name, message, $fault, $metadata, status: response?.statusCode });
        }
      } finally {
        client.destroy();
      }
      return errors;
    };
    let next = 0;
    const server = await recordingServer(() => replies[next++ % replies.length] as Reply);
    const sdk = await failures(new SageMakerClient({ region: "eu-west-1", endpoint: server.url, credentials }));
    const ours = await failures(createSageMakerClient({ region: "eu-west-1", endpoint: server.url, credentials }));
    expect(ours).toEqual(sdk);
    expect(ours[0]).toMatchObject({ name: "ResourceNotFound", $metadata: { httpStatusCode: 400, requestId: "req-1" } });
    expect(ours[1]).toMatchObject({ status: 200, $metadata: { httpStatusCode: 200, requestId: "req-2" } });
    expect((ours[1] as { message: string }).message).toContain("inspect the hidden field {error}.$response");
  });

  it("honours AWS_ENDPOINT_URL_SAGEMAKER on every call", async () => {
    const server = await recordingServer();
    process.env.AWS_ENDPOINT_URL_SAGEMAKER = server.url;
    await threeCalls(createSageMakerClient({ region: "us-west-2", credentials }));
    expect(server.seen.map((s) => [s.headers["x-amz-target"], s.headers.host])).toEqual([
      ["SageMaker.DescribeDomain", server.url.slice("http://".length)],
      ["SageMaker.DescribeDomain", server.url.slice("http://".length)],
      ["SageMaker.DescribeUserProfile", server.url.slice("http://".length)],
    ]);
    for (const seen of server.seen) expect(comparable(seen).scope).toBe("us-west-2/sagemaker/aws4_request");
  });
});
