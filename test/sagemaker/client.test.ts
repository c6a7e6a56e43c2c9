/**
 * The client's HTTP agent: as many sockets as the limiter's concurrency, so calls the limiter lets start are not
 * queued again inside the agent (whose default is 50). The server is a tiny AWS JSON 1.1 endpoint that holds every
 * request until it has seen as many at once as it can get.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createSageMakerClient, SageMakerGateway } from "../../src/sagemaker/index.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

interface HoldingServer {
  url: string;
  /** Most requests the server held open at one time. */
  maxOpen(): number;
  close(): Promise<void>;
}

/** Answers DescribeDomain with `{}`, but only once `target` requests are open or none has come for `quietMs`. */
async function holdingServer(target: number, quietMs = 1500): Promise<HoldingServer> {
  let held: ServerResponse[] = [];
  let maxOpen = 0;
  let quiet: NodeJS.Timeout | undefined;
  const answerAll = () => {
    for (const res of held) {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end("{}");
    }
    held = [];
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      held.push(res);
      maxOpen = Math.max(maxOpen, held.length);
      clearTimeout(quiet);
      if (held.length >= target) answerAll();
      else quiet = setTimeout(answerAll, quietMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    maxOpen: () => maxOpen,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(quiet);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let server: HoldingServer | undefined;
const gateways: SageMakerGateway[] = [];
afterEach(async () => {
  for (const g of gateways.splice(0)) g.destroy();
  await server?.close();
  server = undefined;
});

const domains = (n: number) => Array.from({ length: n }, (_, i) => `d-sockets${String(i).padStart(4, "0")}`);

describe("createSageMakerClient", () => {
  it("opens as many sockets as the configured concurrency (above the SDK's 50)", async () => {
    server = await holdingServer(60);
    const gw = new SageMakerGateway({
      region: "us-east-1",
      endpoint: server.url,
      credentials,
      rps: 1000,
      burst: 1000,
      concurrency: 60,
    });
    gateways.push(gw);
    await Promise.all(domains(60).map((d) => gw.describeDomain(d)));
    expect(server.maxOpen()).toBe(60);
  });

  it("with the SDK's default agent, 50 is as far as it gets", async () => {
    server = await holdingServer(60);
    const client = createSageMakerClient({ region: "us-east-1", endpoint: server.url, credentials });
    const gw = new SageMakerGateway({ client, rps: 1000, burst: 1000, concurrency: 60 });
    try {
      await Promise.all(domains(60).map((d) => gw.describeDomain(d)));
    } finally {
      client.destroy();
    }
    expect(server.maxOpen()).toBe(50);
  });
});
