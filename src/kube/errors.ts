/** Telling API errors apart: rest.ts's KubeApiError and client-node's ApiException carry `.code`, other errors may carry `.statusCode`. */

/** The HTTP status of a failed API call, if it had one. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === "number") return e.code;
  if (typeof e.statusCode === "number") return e.statusCode;
  return undefined;
}

export const isNotFound = (err: unknown) => httpStatus(err) === 404;
export const isConflict = (err: unknown) => httpStatus(err) === 409;
export const isGone = (err: unknown) => httpStatus(err) === 410;
export const isForbidden = (err: unknown) => httpStatus(err) === 403;

/** Logged (at error level) with every 403, so a missing RBAC verb is a clear line, not a silent retry loop. */
export const RBAC_HINT =
  "forbidden by RBAC: the operator's ServiceAccount lacks this permission (see the chart's templates/rbac.yaml and docs/security.md)";

/** A short message for logs and status: ApiException's own message embeds headers, so prefer the Status body's message. */
export function errorMessage(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const body = (err as { body?: unknown }).body;
    const status = typeof body === "string" ? safeParse(body) : body;
    if (status && typeof status === "object" && typeof (status as { message?: unknown }).message === "string") {
      return `${httpStatus(err) ?? ""} ${(status as { message: string }).message}`.trim();
    }
  }
  return err instanceof Error ? err.message : String(err);
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
