/**
 * The client keeps one SigV4 signer instead of the SDK's new one per call (src/sagemaker/client.ts): every call is
 * still signed for sagemaker in the client's region, with the credentials the provider hands out at that call, so
 * rotated credentials (IRSA, Pod Identity, an assumed role) sign the next call.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeDomainCommand } from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import { createSageMakerClient } from "../../src/sagemaker/index.js";

describe("SageMaker client signer", () => {
  it("signs every call with the credentials of that call, in the client's region, for sagemaker", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    let issued = 0;
    const client = createSageMakerClient({
      region: "eu-west-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      // Expiring within the SDK's refresh window: the provider is asked again before every call.
      credentials: async () => ({
        accessKeyId: `AKID${++issued}`,
        secretAccessKey: `secret${issued}`,
        expiration: new Date(Date.now() + 60_000),
      }),
    });
    try {
      for (let i = 0; i < 3; i++) await client.send(new DescribeDomainCommand({ DomainId: "d-abc" }));
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
    expect(seen).toHaveLength(3);
    const keys = seen.map((a) => a.match(/Credential=(\w+)\/\d{8}\/eu-west-1\/sagemaker\/aws4_request/)?.[1]);
    expect(new Set(keys).size).toBe(3);
    for (const k of keys) expect(k).toMatch(/^AKID\d+$/);
    // Signed with the secret of the same credentials (the signature differs with each secret).
    expect(new Set(seen.map((a) => a.match(/Signature=(\w+)/)?.[1])).size).toBe(3);
  });
});
