/**
 * The SageMaker client's request handler (the SDK's `requestHandler` extension point, @smithy/types HttpHandler), in
 * place of @smithy/node-http-handler's NodeHttpHandler. Why: per request, NodeHttpHandler sets and clears four timers
 * (socket-usage warning, deferred connection timeout, request timeout, deferred TCP keep-alive), copies the response
 * headers and hands the body over as a stream, which the SDK then pipes into a Writable to collect. This one does
 * only what the operator needs: a connection timeout (a timer only while a new socket connects; a reused keep-alive
 * socket has none), a request timeout (one timer, up to the body's end), abort, and the body handed over as bytes
 * (smithy's collectBody takes a Uint8Array as it is). Errors are NodeHttpHandler's: network errors keep their
 * `code` (the SDK's retry strategy classifies by it), ECONNRESET / EPIPE / ETIMEDOUT named TimeoutError as it names
 * them, timeouts a TimeoutError (`throwOnRequestTimeout`). Measured: see bench/report.ts ("SDK request handler").
 * Left out: `Expect: 100-continue` (SageMaker's JSON calls never send it) and the socket-usage warning (the agents'
 * maxSockets is the limiter's concurrency, so requests do not queue in them).
 *
 * A request may carry a last check (`LAST_CHECK`, the leader write fence): it runs once the request has its socket,
 * connected, right before the request is written, and throwing refuses it. The SDK middleware's check comes a
 * connection (and, on a fresh one, a TCP and TLS handshake) earlier; a process stopped in between (SIGSTOP, a frozen
 * node) and resumed after losing its lease would otherwise still send what it had checked before.
 */
import { type ClientRequest, Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { buildQueryString, type HttpRequest, HttpResponse } from "@smithy/core/protocols";

export interface RequestHandlerOptions {
  maxSockets: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

interface HandlerOptions {
  abortSignal?: { readonly aborted: boolean };
  requestTimeout?: number;
}

/** Where a request carries its last check (see the module comment): a symbol, so nothing serialises it. */
export const LAST_CHECK = Symbol("lastCheck");

/** An HttpRequest that may carry a last check. */
type CheckedRequest = HttpRequest & { [LAST_CHECK]?: () => void };

/** Named TimeoutError by NodeHttpHandler too (its NODEJS_TIMEOUT_ERROR_CODES); the code is kept. */
const TIMEOUT_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT"]);

export class SageMakerRequestHandler {
  readonly metadata = { handlerProtocol: "http/1.1" };
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly options: RequestHandlerOptions) {
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  handle(request: CheckedRequest, options: HandlerOptions = {}): Promise<{ response: HttpResponse }> {
    // The SDK passes the caller's signal: Node's AbortSignal (smithy's type is a structural subset of it).
    const abortSignal = options.abortSignal as AbortSignal | undefined;
    return new Promise((resolve, reject) => {
      if (abortSignal?.aborted) return reject(abortError(abortSignal));
      const https = request.protocol === "https:";
      const query = request.query ? buildQueryString(request.query) : "";
      const hostname = request.hostname.startsWith("[") ? request.hostname.slice(1, -1) : request.hostname;
      const req: ClientRequest = (https ? httpsRequest : httpRequest)({
        agent: https ? this.httpsAgent : this.httpAgent,
        method: request.method,
        host: hostname,
        port: request.port,
        path: query ? `${request.path}?${query}` : request.path,
        headers: request.headers,
      });
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abortSignal?.removeEventListener("abort", onAbort);
        req.destroy();
        reject(err);
      };
      const timeoutMs = options.requestTimeout ?? this.options.requestTimeoutMs;
      const timer = setTimeout(
        () => fail(timeoutError(`a request has exceeded the configured ${timeoutMs} ms requestTimeout.`, "ETIMEDOUT")),
        timeoutMs,
      );
      const onAbort = () => fail(abortError(abortSignal));
      abortSignal?.addEventListener("abort", onAbort, { once: true });
      req.once("socket", (socket) => {
        if (!socket.connecting) return;
        const connectMs = this.options.connectionTimeoutMs;
        const connectTimer = setTimeout(
          () => fail(timeoutError(`the socket did not connect within the configured ${connectMs} ms.`)),
          connectMs,
        );
        socket.once("connect", () => clearTimeout(connectTimer));
        socket.once("close", () => clearTimeout(connectTimer));
      });
      req.on("error", (err: NodeJS.ErrnoException) =>
        fail(TIMEOUT_CODES.has(err.code ?? "") ? Object.assign(err, { name: "TimeoutError" }) : err),
      );
      req.once("response", (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", fail);
        res.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          abortSignal?.removeEventListener("abort", onAbort);
          const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
          resolve({
            response: new HttpResponse({
              statusCode: res.statusCode ?? -1,
              reason: res.statusMessage,
              headers,
              // A fresh view: collectBody re-prototypes what it is given, not a Buffer node:http made.
              body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
            }),
          });
        });
      });
      const body: unknown = request.body;
      const send = () => {
        if (body && typeof (body as NodeJS.ReadableStream).pipe === "function")
          (body as NodeJS.ReadableStream).pipe(req);
        else req.end(body);
      };
      const lastCheck = request[LAST_CHECK];
      if (!lastCheck) return send();
      // Written once connected (node:http would buffer it meanwhile): the check and the write are one synchronous step.
      const checkThenSend = () => {
        if (settled) return;
        try {
          lastCheck();
        } catch (err) {
          return fail(err as Error);
        }
        send();
      };
      req.once("socket", (socket) => {
        // TLS: once the handshake is done, as the write would wait for it.
        if (socket.connecting) socket.once(https ? "secureConnect" : "connect", checkThenSend);
        else checkThenSend();
      });
    });
  }

  // The SDK hands a handler the client's logger and a service's default socket timeout here; SageMaker's client has
  // neither (NoOpLogger, no defaultSocketTimeout), as NodeHttpHandler's config showed.
  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function timeoutError(message: string, code?: string): Error {
  return Object.assign(new Error(`SageMaker client: ${message}`), { name: "TimeoutError", ...(code ? { code } : {}) });
}

/** As NodeHttpHandler builds it: an AbortError, with the signal's reason as its cause. */
function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  const err = new Error(reason && !(reason instanceof Error) ? String(reason) : "Request aborted");
  err.name = "AbortError";
  if (reason instanceof Error) err.cause = reason;
  return err;
}
