/**
 * The REST client's authentication and TLS (src/kube/rest.ts: node:https with client-node's KubeConfig options) against
 * the local API server behind a TLS front: a kubeconfig's CA and client certificate, in-cluster config (service account
 * token and CA files), an exec credential plugin, and connections kept alive across calls but not across a rotated
 * certificate. Certificates are made with the openssl command.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { startLocalKube } from "@sagemaker-profile-operator/local-stack/kube";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKubeConfig } from "../../src/kube/config.js";
import { KubeApi, KubeApiError } from "../../src/kube/rest.js";

const TOKEN = "s3cret";
const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
let kube: Awaited<ReturnType<typeof startLocalKube>>;
let kubePort: number;
const fronts: Server[] = [];

const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function authority(name: string) {
  openssl("req", "-x509", ...EC, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "1", "-subj", `/CN=${name}`);
}
function signed(name: string, ca: string, ext?: string) {
  openssl("req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  if (ext) writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "1",
    ...(ext ? ["-extfile", `${name}.ext`] : []),
  );
}
const file = (name: string) => join(dir, name);

/** A TLS front for the local API server; records the client certificate's CN of every connection it accepts. */
async function tlsFront(requireClientCert: boolean): Promise<{ url: string; port: number; connections: string[] }> {
  const connections: string[] = [];
  const server = createServer(
    {
      key: readFileSync(file("server.key")),
      cert: readFileSync(file("server.crt")),
      ca: readFileSync(file("ca.crt")),
      requestCert: true,
      rejectUnauthorized: requireClientCert,
    },
    (socket: TLSSocket) => {
      connections.push(String(socket.getPeerCertificate()?.subject?.CN ?? "-"));
      const upstream = connect(kubePort, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fronts.push(server);
  const { port } = server.address() as { port: number };
  return { url: `https://127.0.0.1:${port}`, port, connections };
}

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const path = file(`${name}.kubeconfig`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster }],
      users: [{ name: "u", user }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  return path;
}

/** client-node's in-cluster config, its service account files under `prefix`, the API server on 127.0.0.1:`port`. */
function inCluster(prefix: string, port: number): KubeConfig {
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  process.env.KUBERNETES_SERVICE_HOST = "127.0.0.1";
  process.env.KUBERNETES_SERVICE_PORT = String(port);
  try {
    const kc = new KubeConfig();
    kc.loadFromCluster(prefix);
    return kc;
  } finally {
    if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
    else process.env.KUBERNETES_SERVICE_HOST = saved.host;
    if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    else process.env.KUBERNETES_SERVICE_PORT = saved.port;
  }
}

const namespaces = (api: KubeApi) => api.get<{ items: unknown[] }>("/api/v1/namespaces");

beforeAll(() => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), "rest-auth-"));
  authority("ca");
  authority("other-ca");
  signed("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:kube.test\n");
  signed("alice", "ca");
  signed("bob", "ca");
});
afterAll(async () => {
  for (const s of fronts) s.close();
  await kube?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(hasOpenssl)("REST client over TLS with a client certificate", () => {
  beforeAll(async () => {
    kube = await startLocalKube({ port: 0 });
    kubePort = Number(new URL(kube.url).port);
  });

  it("verifies the server with the kubeconfig's CA, presents its client certificate, and keeps the connection alive", async () => {
    const front = await tlsFront(true);
    copyFileSync(file("alice.crt"), file("client.crt"));
    copyFileSync(file("alice.key"), file("client.key"));
    const api = new KubeApi(
      loadKubeConfig({
        path: kubeconfig(
          "mtls",
          { server: front.url, "certificate-authority": file("ca.crt") },
          { "client-certificate": file("client.crt"), "client-key": file("client.key") },
        ),
      }),
    );
    for (let i = 0; i < 20; i++) expect((await namespaces(api)).items.length).toBeGreaterThan(0);
    await Promise.all(Array.from({ length: 5 }, () => namespaces(api)));
    // 25 calls, at most 5 at once: at most 5 connections, all of them alice's.
    expect(front.connections.length).toBeLessThanOrEqual(5);
    expect(new Set(front.connections)).toEqual(new Set(["alice"]));

    // The certificate files are replaced (rotation): the next call connects again, as bob.
    copyFileSync(file("bob.crt"), file("client.crt"));
    copyFileSync(file("bob.key"), file("client.key"));
    await namespaces(api);
    expect(front.connections.at(-1)).toBe("bob");
  });

  it("watches with the same identity: events as they come, a server-side end, and a refused watch's status", async () => {
    const front = await tlsFront(true);
    const api = new KubeApi(
      loadKubeConfig({
        path: kubeconfig(
          "watch",
          { server: front.url, "certificate-authority": file("ca.crt") },
          { "client-certificate": file("alice.crt"), "client-key": file("alice.key") },
        ),
      }),
    );
    const list = await api.get<{ metadata: { resourceVersion: string } }>("/api/v1/namespaces");
    const seen: string[] = [];
    let ended: (err: unknown) => void = () => undefined;
    const done = new Promise<unknown>((resolve) => {
      ended = resolve;
    });
    const watch = await api.watch(
      "/api/v1/namespaces",
      { resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 2 },
      (type, object) => seen.push(`${type} ${(object as { metadata: { name: string } }).metadata.name}`),
      ended,
    );
    await api.create("/api/v1/namespaces", { metadata: { name: "watched-one" } });
    await api.create("/api/v1/namespaces", { metadata: { name: "watched-two" } });
    // timeoutSeconds: the API server ends the stream whole, which is no error.
    expect(await done).toBeUndefined();
    expect(seen).toEqual(["ADDED watched-one", "ADDED watched-two"]);
    watch.abort();
    expect(new Set(front.connections)).toEqual(new Set(["alice"]));

    // A resourceVersion older than the watch cache: HTTP 200, then an ERROR event with the 410 Expired Status, as the
    // real server sends it (docs/fidelity.md); the event reaches onEvent for the watcher to relist.
    kube.faults.expireHistory();
    let stop: () => void = () => {};
    const refused = await new Promise<unknown>((resolve) => {
      void api
        .watch(
          "/api/v1/namespaces",
          { resourceVersion: list.metadata.resourceVersion },
          (type, object) => resolve([type, (object as { code: number }).code]),
          resolve,
        )
        .then((w) => {
          stop = w.abort;
        });
    });
    stop();
    expect(refused).toEqual(["ERROR", 410]);
  });

  it("refuses a server its CA did not sign, and the server refuses a client without a certificate", async () => {
    const front = await tlsFront(true);
    const wrongCa = new KubeApi(
      loadKubeConfig({
        path: kubeconfig(
          "wrong-ca",
          { server: front.url, "certificate-authority": file("other-ca.crt") },
          { "client-certificate": file("alice.crt"), "client-key": file("alice.key") },
        ),
      }),
    );
    await expect(namespaces(wrongCa)).rejects.toThrow(/certificate/);
    const noCert = new KubeApi(
      loadKubeConfig({
        path: kubeconfig("no-cert", { server: front.url, "certificate-authority": file("ca.crt") }, {}),
      }),
    );
    await expect(namespaces(noCert)).rejects.toThrow();
    expect(front.connections).toEqual([]);
  });
});

describe.runIf(hasOpenssl)("REST client with tokens", () => {
  beforeAll(async () => {
    await kube?.close();
    kube = await startLocalKube({ port: 0, token: TOKEN });
    kubePort = Number(new URL(kube.url).port);
  });

  it("in a cluster: the service account's CA and token files", async () => {
    const front = await tlsFront(false);
    const prefix = join(dir, "pod");
    const sa = join(prefix, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(sa, { recursive: true });
    copyFileSync(file("ca.crt"), join(sa, "ca.crt"));
    writeFileSync(join(sa, "token"), TOKEN);
    writeFileSync(join(sa, "namespace"), "default");
    const kc = inCluster(prefix, front.port);
    expect((await namespaces(new KubeApi(kc))).items.length).toBeGreaterThan(0);
    expect(front.connections).toEqual(["-"]);

    writeFileSync(join(sa, "token"), "wrong");
    const other = inCluster(prefix, front.port);
    const err = await namespaces(new KubeApi(other)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(401);
  });

  it("an exec credential plugin's token", async () => {
    const credential = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: TOKEN },
    });
    const user = {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: process.execPath,
        args: ["-e", `process.stdout.write(${JSON.stringify(credential)})`],
        interactiveMode: "Never",
      },
    };
    const api = new KubeApi(
      loadKubeConfig({ path: kubeconfig("exec", { server: kube.url, "insecure-skip-tls-verify": true }, user) }),
    );
    expect((await namespaces(api)).items.length).toBeGreaterThan(0);
    const anonymous = new KubeApi(
      loadKubeConfig({ path: kubeconfig("anonymous", { server: kube.url, "insecure-skip-tls-verify": true }, {}) }),
    );
    expect(await namespaces(anonymous).catch((e: unknown) => (e as KubeApiError).code)).toBe(401);
    // A watch refused before it starts: its HTTP status and Status body end it, and no event is made up.
    const refused = await new Promise<unknown>((resolve) => {
      void anonymous.watch("/api/v1/namespaces", {}, () => resolve("an event"), resolve);
    });
    expect(refused).toBeInstanceOf(KubeApiError);
    expect((refused as KubeApiError).code).toBe(401);
    expect(JSON.parse((refused as KubeApiError).body).kind).toBe("Status");
  });
});
