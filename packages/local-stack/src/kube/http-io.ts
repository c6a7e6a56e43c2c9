/** Request bodies in (size limit, JSON or protobuf) and JSON responses out, as the API server reads and writes them. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, KubeError } from "./errors.js";
import type { KubeObject } from "./meta.js";
import { decodeProtobufObject, PROTOBUF } from "./protobuf.js";

const MAX_BODY_BYTES = 3 * 1024 * 1024;

function readBuffer(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new KubeError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export const readBody = async (req: IncomingMessage): Promise<string> => (await readBuffer(req)).toString("utf8");

/** JSON bodies, and protobuf for the built-in kinds kubectl sends that way; anything else is 415. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const contentType = (req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "";
  if (contentType === PROTOBUF) return decodeProtobufObject(await readBuffer(req));
  if (contentType !== "application/json" && contentType !== "" && !contentType.endsWith("+json")) {
    await drain(req);
    throw new KubeError(
      415,
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf",
    );
  }
  const raw = await readBody(req);
  try {
    return JSON.parse(raw) as KubeObject;
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  await readBody(req).catch(() => undefined);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
  };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}
