/**
 * The kubeconfig's server URL as the REST client sends to it: a path after the host (an API server behind a proxy that
 * routes by path, as Rancher's cluster URLs do) prefixes every request path, a trailing slash included, and the query
 * is encoded after it.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadKubeConfig } from "../../src/kube/config.js";
import { KubeApi } from "../../src/kube/rest.js";

let server: Server | undefined;
afterEach(() => server?.close());

async function recordingServer(serverPath: string): Promise<{ api: KubeApi; requests: string[]; port: number }> {
  const requests: string[] = [];
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.headers.host} ${req.url}`);
    res.writeHead(200, { "Content-Type": "application/json" }).end('{"kind":"Thing"}');
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const path = join(tmpdir(), `rest-server-url-${port}.kubeconfig`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "c", cluster: { server: `http://127.0.0.1:${port}${serverPath}`, "insecure-skip-tls-verify": true } },
      ],
      users: [{ name: "u", user: {} }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  return { api: new KubeApi(loadKubeConfig({ path })), requests, port };
}

describe("REST client and the kubeconfig's server URL", () => {
  it("sends to the server's host and port, under the server's path, with the query encoded", async () => {
    const { api, requests, port } = await recordingServer("/k8s/clusters/c-1/");
    expect(await api.get("/api/v1/namespaces", { labelSelector: "team=a b", limit: 5, continue: "" })).toEqual({
      kind: "Thing",
    });
    expect(requests).toEqual([
      `GET 127.0.0.1:${port} /k8s/clusters/c-1/api/v1/namespaces?labelSelector=team%3Da%20b&limit=5`,
    ]);
  });

  it("sends the request path alone when the server URL has none", async () => {
    const { api, requests } = await recordingServer("");
    await api.get("/apis/example.com/v1/things");
    expect(requests.map((r) => r.split(" ")[2])).toEqual(["/apis/example.com/v1/things"]);
  });
});
