/**
 * A kept-alive connection the server closes just as the next request goes out (Node's documented keep-alive race:
 * https://nodejs.org/api/http.html#requestreusedsocket): the REST client sends a GET, PUT or merge patch once more on a
 * new connection, and never repeats a create or a JSON patch, whose second copy could act twice.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadKubeConfig } from "../../src/kube/config.js";
import { JSON_PATCH, KubeApi, MERGE_PATCH } from "../../src/kube/rest.js";

let server: Server | undefined;
afterEach(() => server?.close());

/** A server that answers the first request on each connection and drops the connection at its second request. */
async function droppingServer(): Promise<{ api: KubeApi; requests: string[]; connections: () => number }> {
  const requests: string[] = [];
  const served = new WeakSet<Socket>();
  let connections = 0;
  server = createServer((req, res) => {
    requests.push(`${req.method} ${served.has(req.socket) ? "reused" : "new"}`);
    if (served.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    served.add(req.socket);
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ kind: "Thing", ok: requests.length }));
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const path = join(tmpdir(), `rest-retry-${port}.kubeconfig`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      // client-node refuses http:// unless skip-verify is set, as the local API server's kubeconfig does.
      clusters: [{ name: "c", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: {} }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  return { api: new KubeApi(loadKubeConfig({ path })), requests, connections: () => connections };
}

describe("REST client on a kept-alive connection the server closed", () => {
  it("sends a GET, PUT or merge patch again on a new connection, once", async () => {
    const { api, requests, connections } = await droppingServer();
    await api.get("/api/v1/namespaces");
    expect(await api.get("/api/v1/namespaces")).toMatchObject({ kind: "Thing" });
    expect(await api.replace("/api/v1/namespaces/a", { metadata: { name: "a" } })).toMatchObject({ kind: "Thing" });
    expect(await api.patch("/api/v1/namespaces/a", { metadata: {} }, MERGE_PATCH)).toMatchObject({ kind: "Thing" });
    expect(requests).toEqual([
      "GET new",
      "GET reused",
      "GET new",
      "PUT reused",
      "PUT new",
      "PATCH reused",
      "PATCH new",
    ]);
    expect(connections()).toBe(4);
  });

  it("does not repeat a create or a JSON patch: the caller gets the error", async () => {
    const { api, requests } = await droppingServer();
    await api.get("/api/v1/namespaces");
    await expect(api.create("/api/v1/namespaces", { metadata: { name: "a" } })).rejects.toMatchObject({
      code: "ECONNRESET",
    });
    await api.get("/api/v1/namespaces");
    await expect(api.patch("/api/v1/namespaces/a", [], JSON_PATCH)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(requests).toEqual(["GET new", "POST reused", "GET new", "PATCH reused"]);
  });
});
