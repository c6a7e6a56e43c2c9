/**
 * The client's own request handler (src/sagemaker/http-handler.ts) against the local SageMaker emulator: errors as
 * the SDK's NodeHttpHandler gives them (so the SDK's retry strategy and the gateway classify them as before),
 * request and connection timeouts, abort, and HTTPS with connections kept alive.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, getCACertificates, setDefaultCACertificates } from "node:tls";
import { DescribeUserProfileCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";
import { afterEach, describe, expect, it } from "vitest";
import { createSageMakerClient, type SageMakerClientOptions } from "../../src/sagemaker/index.js";
import { DOMAIN, emulatorPerTest, rejection } from "../local/sagemaker/helpers.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const startEmulator = emulatorPerTest();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function client(endpoint: string, options: SageMakerClientOptions = {}): SageMakerClient {
  const c = createSageMakerClient({ region: "us-east-1", endpoint, credentials, maxAttempts: 1, ...options });
  cleanups.push(() => c.destroy());
  return c;
}

const describeBob = (sm: SageMakerClient, abortSignal?: AbortSignal) =>
  sm.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "bob" }), { abortSignal });

const has = (command: string, versionArg: string) => {
  try {
    execFileSync(command, [versionArg], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

describe("SageMaker request handler", () => {
  it("answers a call as the SDK's own handler does", async () => {
    const { emu, sm } = await startEmulator();
    emu.admin.createProfile(DOMAIN, "bob");
    const ours = await describeBob(client(emu.url));
    const sdk = await describeBob(sm);
    const { $metadata: a, ...oursOutput } = ours;
    const { $metadata: b, ...sdkOutput } = sdk;
    expect(oursOutput).toEqual(sdkOutput);
    expect({ ...a, requestId: typeof a.requestId }).toEqual({ ...b, requestId: typeof b.requestId });
  });

  it("fails a dropped connection with the SDK handler's error (name and code), and the SDK retries it", async () => {
    const { emu, sm } = await startEmulator();
    emu.admin.createProfile(DOMAIN, "bob");
    emu.admin.injectFault({ op: "DescribeUserProfile", drop: true, count: 2 });
    const [ours, sdk] = [await rejection(describeBob(client(emu.url))), await rejection(describeBob(sm))];
    const shape = (e: Awaited<ReturnType<typeof rejection>> & { code?: string }) => ({
      name: e.name,
      code: e.code,
      status: e.$metadata?.httpStatusCode,
    });
    expect(shape(ours)).toEqual(shape(sdk));
    expect(shape(ours)).toMatchObject({ code: "ECONNRESET" });

    emu.admin.injectFault({ op: "DescribeUserProfile", drop: true, count: 1 });
    const retried = await describeBob(client(emu.url, { maxAttempts: 2 }));
    expect(retried.$metadata.attempts).toBe(2);
  });

  it("gives up on a request after the request timeout with a TimeoutError, which the SDK retries", async () => {
    const { emu } = await startEmulator();
    emu.admin.createProfile(DOMAIN, "bob");
    emu.admin.injectFault({ op: "DescribeUserProfile", latencyMs: 3000, count: 1 });
    const err = await rejection(describeBob(client(emu.url, { requestTimeoutMs: 200 })));
    expect(err).toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT" });

    emu.admin.injectFault({ op: "DescribeUserProfile", latencyMs: 3000, count: 1 });
    const retried = await describeBob(client(emu.url, { requestTimeoutMs: 200, maxAttempts: 2 }));
    expect(retried.$metadata.attempts).toBe(2);
  });

  it("aborts a call in flight", async () => {
    const { emu } = await startEmulator();
    emu.admin.createProfile(DOMAIN, "bob");
    emu.admin.injectFault({ op: "DescribeUserProfile", latencyMs: 3000, count: 1 });
    const controller = new AbortController();
    const call = rejection(describeBob(client(emu.url), controller.signal));
    setTimeout(() => controller.abort(), 100);
    expect(await call).toMatchObject({ name: "AbortError" });
    expect(await rejection(describeBob(client(emu.url), controller.signal))).toMatchObject({ name: "AbortError" });
  });

  it.runIf(has("python3", "--version"))(
    "gives up on a connection that is not accepted after the connection timeout",
    async () => {
      // A listener with a full accept queue that never accepts: Linux drops further SYNs, so connecting hangs.
      const listener: ChildProcess = spawn("python3", [
        "-c",
        "import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)",
      ]);
      cleanups.push(() => listener.kill());
      const port = await new Promise<number>((resolve) => listener.stdout?.once("data", (d) => resolve(Number(d))));
      const fillers: Socket[] = [];
      for (let i = 0; i < 3; i++) fillers.push(connect(port, "127.0.0.1"));
      cleanups.push(() => {
        for (const s of fillers) s.destroy();
      });
      await new Promise((r) => setTimeout(r, 200));
      const err = await rejection(
        describeBob(client(`http://127.0.0.1:${port}`, { connectionTimeoutMs: 300, requestTimeoutMs: 10_000 })),
      );
      expect(err.name).toBe("TimeoutError");
      expect(err.message).toMatch(/did not connect within the configured 300 ms/);
    },
  );

  it.runIf(has("openssl", "version"))(
    "speaks HTTPS, verifying the server, and keeps the connection alive",
    async () => {
      const { emu } = await startEmulator();
      emu.admin.createProfile(DOMAIN, "bob");
      const dir = mkdtempSync(join(tmpdir(), "sm-tls-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      execFileSync(
        "openssl",
        [
          ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
          ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", "/CN=127.0.0.1"],
          ...["-addext", "subjectAltName=IP:127.0.0.1"],
        ],
        { stdio: "pipe" },
      );
      const cert = readFileSync(join(dir, "cert.pem"), "utf8");
      // A TLS front to the emulator, counting the connections it accepts.
      let connections = 0;
      const front = createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (tls) => {
        connections++;
        const plain = connect(Number(new URL(emu.url).port), "127.0.0.1");
        tls.pipe(plain).pipe(tls);
        tls.on("error", () => plain.destroy());
        plain.on("error", () => tls.destroy());
      });
      await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
      cleanups.push(() => new Promise((r) => front.close(r)));
      const url = `https://127.0.0.1:${(front.address() as { port: number }).port}`;

      // Not trusted yet: the handler verifies the certificate.
      expect(String(await rejection(describeBob(client(url))))).toMatch(/self-signed certificate/);
      const defaults = getCACertificates("default");
      setDefaultCACertificates([...defaults, cert]);
      cleanups.push(() => setDefaultCACertificates(defaults));
      const sm = client(url);
      const before = connections;
      for (let i = 0; i < 3; i++) expect((await describeBob(sm)).UserProfileName).toBe("bob");
      expect(connections - before).toBe(1);
    },
  );
});
