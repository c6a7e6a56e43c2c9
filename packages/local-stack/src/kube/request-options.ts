/** Query parameters and DeleteOptions bodies → the options of the write verbs (dryRun, fieldValidation). */
import type { IncomingMessage } from "node:http";
import { badRequest } from "./errors.js";
import { isObject } from "./meta.js";
import type { DeleteOptions, FieldValidation, WriteOptions } from "./objects.js";

export function writeOptions(req: IncomingMessage, q: URLSearchParams): WriteOptions {
  const dryRun = q.getAll("dryRun");
  for (const d of dryRun) if (d !== "All") throw badRequest(`Invalid dryRun value: ${d}; supported values: "All"`);
  const fv = q.get("fieldValidation") ?? "";
  const fieldValidation = (fv === "" ? "Warn" : fv) as FieldValidation;
  if (!["Strict", "Warn", "Ignore"].includes(fieldValidation))
    throw badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  const ua = req.headers["user-agent"] ?? "";
  const fieldManager = q.get("fieldManager") || ua.split("/")[0] || "unknown";
  if (fieldManager.length > 128) throw badRequest("fieldManager: Too long: may not be more than 128 bytes");
  return { dryRun: dryRun.includes("All"), fieldManager, fieldValidation };
}

export function deleteOptions(raw: string, q: URLSearchParams): DeleteOptions {
  let body: unknown = {};
  if (raw.trim()) {
    try {
      body = JSON.parse(raw);
    } catch (err) {
      throw badRequest(`error decoding DeleteOptions: ${(err as Error).message}`);
    }
  }
  const opts = (isObject(body) ? body : {}) as DeleteOptions;
  const dryRun = q.getAll("dryRun");
  if (dryRun.length) opts.dryRun = dryRun;
  const propagation = q.get("propagationPolicy");
  if (propagation) opts.propagationPolicy = propagation;
  return opts;
}
