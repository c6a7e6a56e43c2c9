/**
 * The emulator's HTTP face: AWS JSON 1.1 on `POST /` (as @aws-sdk/client-sagemaker sends it) and a JSON admin API
 * under `/_admin/` on the same port.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type EmulatorAdmin,
  EmulatorCore,
  type EmulatorStoreReader,
  type MutationRecord,
  type PartitionHandle,
  type StsAdmin,
} from "./core.js";
import { ApiError } from "./errors.js";
import type { CallCounts, EmulatorOptions, FaultRule } from "./types.js";

export interface SageMakerEmulator {
  /** `http://<host>:<port>`: the SDK's `endpoint`, or `AWS_ENDPOINT_URL_SAGEMAKER`. */
  url: string;
  port: number;
  close(): Promise<void>;
  /** op -> outcome ("ok", an error code, "dropped", "droppedAfter": applied, answer lost) -> count. */
  calls(): CallCounts;
  resetCalls(): void;
  /** The last accepted mutating requests (wire JSON), optionally of one operation. */
  mutations(op?: string): MutationRecord[];
  /** The last requests of every operation, reads included (wire JSON), optionally of one operation. */
  requests(op?: string): MutationRecord[];
  admin: EmulatorAdmin;
  store: EmulatorStoreReader;
  /** Roles, trust policies, identities and credential lifetimes of the emulator's STS (`AWS_ENDPOINT_URL_STS`). */
  sts: StsAdmin;
  /** The SageMaker state of another account and region (the default ones are `admin` and `store`). */
  account(accountId: string, region: string): PartitionHandle;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export async function startSageMakerEmulator(options: EmulatorOptions = {}): Promise<SageMakerEmulator> {
  const core = new EmulatorCore(options);
  const server = createServer((req, res) => {
    route(core, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: "InternalFailure", message: String(err) });
      else res.destroy();
    });
  });
  // Longer than the SDK's idle sockets live, so a reused keep-alive socket is never closed under a request.
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () => {
      // Idempotent: a second close answers the first one's promise.
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
    calls: () => core.calls(),
    resetCalls: () => core.resetCalls(),
    mutations: (op) => core.mutationLog(op),
    requests: (op) => core.requestLog(op),
    admin: core.admin,
    store: core.reader,
    sts: core.sts,
    account: (accountId, region) => core.partition(accountId, region),
  };
}

async function route(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (path.startsWith("/_admin/")) return admin(core, req.method ?? "GET", path.slice("/_admin/".length), body, res);
  // One port answers SageMaker (AWS JSON) and STS (query): the signature's credential scope names the service.
  const answer = await core.handle({
    target: header(req, "x-amz-target"),
    authorization: header(req, "authorization"),
    contentType: header(req, "content-type"),
    securityToken: header(req, "x-amz-security-token"),
    body: req.method === "POST" && path === "/" ? body : "",
  });
  if (answer.kind === "drop") {
    req.socket.destroy();
    return;
  }
  if (answer.kind === "xml") {
    res.writeHead(answer.status, {
      "content-type": "text/xml",
      "content-length": Buffer.byteLength(answer.body),
      "x-amzn-requestid": randomUUID(),
    });
    res.end(answer.body);
    return;
  }
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(payload),
    "x-amzn-requestid": randomUUID(),
    ...(answer.errorType !== undefined ? { "x-amzn-errortype": answer.errorType } : {}),
  });
  res.end(payload);
}

/**
 * Admin routes (JSON in, JSON out; errors as `{error, message}` with 404 / 409 / 400):
 *   GET  calls   GET activity (first/last call per op)   GET mutations[/<op>]   GET requests[/<op>]   POST reset-calls
 *   GET  faults                     POST faults (a rule or a list) -> {ids}    DELETE faults    DELETE faults/<id>
 *   POST config {delays, throttle, limits, modes}   GET modes
 *   POST resources (AdminResources: seed what exists, for referencedResources: checked)   GET resources
 *   POST domains (AdminDomainSpec)  GET domains/<id>    POST domains/<id> (AdminDomainPatch)
 *   PUT  profiles/<d>/<n> (AdminProfileSpec: seed InService)   POST profiles/<d>/<n> (AdminProfilePatch)
 *   GET  profiles/<d>/<n> (stored view)    GET profiles/<d>/<n>/describe    DELETE profiles/<d>/<n>
 *   POST apps (AdminAppSpec: start one)   POST apps/fail-deletions ({...app, count})   POST apps/remove (app)   GET apps[/<d>]
 *   POST spaces (AdminSpaceSpec)   GET spaces[/<d>]
 *   accounts/<account>/<region>/...: domains, profiles, resources, apps, spaces as above, in that account and region;
 *     POST accounts/<a>/<r>/throttle (ThrottleConfig, or null)
 *   POST sts/roles (AdminRoleSpec)   GET sts/roles   DELETE sts/roles/<arn>   POST sts/identities {accessKeyId, arn}
 *   POST sts/config {credentialLifetimeSeconds: n | null}   GET sts/sessions
 */
function admin(core: EmulatorCore, method: string, path: string, body: string, res: ServerResponse): void {
  let parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  let a: EmulatorAdmin = core.admin;
  let reader = core.reader;
  try {
    const input = body.trim() === "" ? {} : JSON.parse(body);
    if (parts[0] === "sts") {
      sendJson(res, 200, stsAdmin(core.sts, method, parts.slice(1), input));
      return;
    }
    if (parts[0] === "accounts") {
      if (!/^\d{12}$/.test(parts[1] ?? "") || !parts[2])
        throw new ApiError("BadRequest", "accounts/<12 digits>/<region>/...");
      const partition = core.partition(parts[1] ?? "", parts[2] ?? "");
      parts = parts.slice(3);
      if (method === "POST" && parts[0] === "throttle") {
        partition.admin.setThrottle(input);
        sendJson(res, 200, {});
        return;
      }
      a = {
        ...core.admin,
        ...partition.admin,
        configure: () => {
          throw new ApiError("BadRequest", "config applies to every account and region: POST /_admin/config");
        },
      };
      reader = partition.reader;
    }
    const key = `${method} ${parts[0] ?? ""}`;
    const [, first, second, third] = parts;
    const found = (v: unknown) => {
      if (v === undefined) throw new ApiError("ResourceNotFound", `Not found: ${path}`);
      return v;
    };
    let out: unknown;
    switch (key) {
      case "GET calls":
        out = core.calls();
        break;
      case "GET activity":
        out = core.callActivity();
        break;
      case "GET mutations":
        out = core.mutationLog(first);
        break;
      case "GET requests":
        out = core.requestLog(first);
        break;
      case "POST reset-calls":
        core.resetCalls();
        out = {};
        break;
      case "GET faults":
        out = a.faults();
        break;
      case "POST faults":
        out = { ids: (Array.isArray(input) ? input : [input]).map((r: FaultRule) => a.injectFault(r)) };
        break;
      case "DELETE faults":
        if (first !== undefined) a.removeFault(Number(first));
        else a.clearFaults();
        out = {};
        break;
      case "POST config":
        a.configure(input);
        out = {};
        break;
      case "GET modes":
        out = a.modes();
        break;
      case "POST resources":
        a.registerResources(input);
        out = a.resources();
        break;
      case "GET resources":
        out = a.resources();
        break;
      case "POST domains":
        out = first === undefined ? a.createDomain(input) : a.updateDomain(first, input);
        break;
      case "GET domains":
        out = found(reader.getDomain(first ?? ""));
        break;
      case "PUT profiles":
        out = a.createProfile(first ?? "", second ?? "", input);
        break;
      case "POST profiles":
        out = a.setProfile(first ?? "", second ?? "", input);
        break;
      case "GET profiles":
        out = found(
          third === "describe"
            ? reader.describeProfile(first ?? "", second ?? "")
            : reader.getProfile(first ?? "", second ?? ""),
        );
        break;
      case "POST apps":
        out =
          first === "fail-deletions"
            ? a.failAppDeletions(input, Number(input.count ?? 1))
            : first === "remove"
              ? { removed: a.removeApp(input) }
              : a.startApp(input);
        break;
      case "GET apps":
        out = reader.apps(first);
        break;
      case "POST spaces":
        out = a.createSpace(input);
        break;
      case "GET spaces":
        out = reader.spaces(first);
        break;
      case "DELETE profiles":
        out = { deleted: a.deleteProfile(first ?? "", second ?? "") };
        break;
      default:
        throw new ApiError("ResourceNotFound", `No admin route ${method} /_admin/${path}`);
    }
    sendJson(res, 200, out);
  } catch (err) {
    const code = err instanceof ApiError ? err.code : "BadRequest";
    const status = code === "ResourceNotFound" ? 404 : code === "ResourceInUse" ? 409 : 400;
    sendJson(res, status, { error: code, message: err instanceof Error ? err.message : String(err) });
  }
}

function stsAdmin(sts: StsAdmin, method: string, parts: string[], input: Record<string, unknown>): unknown {
  switch (`${method} ${parts[0] ?? ""}`) {
    case "POST roles":
      sts.setRole(input as unknown as Parameters<StsAdmin["setRole"]>[0]);
      return sts.roles();
    case "GET roles":
      return sts.roles();
    case "DELETE roles":
      return { deleted: sts.removeRole(parts.slice(1).join("/")) };
    case "POST identities":
      sts.setIdentity(String(input.accessKeyId), String(input.arn));
      return {};
    case "POST config":
      sts.setCredentialLifetime((input.credentialLifetimeSeconds as number | null | undefined) ?? null);
      return {};
    case "GET sessions":
      return sts.sessions();
    default:
      throw new ApiError("ResourceNotFound", `No admin route ${method} /_admin/sts/${parts.join("/")}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body ?? null);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}
