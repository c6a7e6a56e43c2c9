/** HTTP endpoints: /metrics on the metrics address, /healthz and /readyz on the probe address. */
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface ListenAddress {
  host?: string;
  port: number;
}

/** Parses controller-runtime style bind addresses: ":8080", "127.0.0.1:8080", "0" (disabled). */
export function parseBindAddress(value: string): ListenAddress | undefined {
  if (value === "0" || value === "") return undefined;
  const i = value.lastIndexOf(":");
  const host = i > 0 ? value.slice(0, i) : undefined;
  const port = Number(value.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid bind address "${value}"`);
  return { host, port };
}

async function listen(server: Server, address: ListenAddress): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const a = server.address();
  return typeof a === "object" && a ? a.port : address.port;
}

export async function serveMetrics(
  registry: Registry,
  address: ListenAddress,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/metrics") {
      registry
        .metrics()
        .then((body) => res.writeHead(200, { "Content-Type": registry.contentType }).end(body))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    res.writeHead(404).end("not found\n");
  });
  const port = await listen(server, address);
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

export interface HealthChecks {
  /** Liveness: the process can serve. */
  healthy(): boolean;
  /** Readiness: caches synced (followers too: they are ready to take over). */
  ready(): boolean;
}

export async function serveHealth(
  checks: HealthChecks,
  address: ListenAddress,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    const ok = path === "/healthz" ? checks.healthy() : path === "/readyz" ? checks.ready() : undefined;
    if (ok === undefined) return void res.writeHead(404).end("not found\n");
    res.writeHead(ok ? 200 : 503, { "Content-Type": "text/plain" }).end(ok ? "ok\n" : "not ready\n");
  });
  const port = await listen(server, address);
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}
