/**
 * The client's User-Agent, built by the SDK on the first call of each command class and sent again on the later ones
 * (src/sagemaker/client-middleware.ts), is still the SDK's on every call: SDK, API, OS and runtime (AWS support and
 * CloudTrail read it), plus the metrics section.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeDomainCommand } from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import { createSageMakerClient } from "../../src/sagemaker/index.js";

describe("SageMaker client user agent", () => {
  it("every call carries the SDK's user agent", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers["user-agent"]));
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const client = createSageMakerClient({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      for (let i = 0; i < 2; i++) await client.send(new DescribeDomainCommand({ DomainId: "d-abc" }));
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
    expect(seen).toHaveLength(2);
    for (const ua of seen) {
      expect(ua).toMatch(
        /^aws-sdk-js\/\d+\.\d+\.\d+ ua\/2\.1 os\/\w+#\S+ lang\/js md\/nodejs#\S+ api\/sagemaker#\S+ m\/\S+/,
      );
    }
    expect(seen[1]).toBe(seen[0]);
  });
});
