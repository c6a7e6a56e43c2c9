/** Kubernetes `Status` error bodies, shaped like the real API server's so clients and kubectl print them the same way. */
import type { FieldError } from "../../../../src/api/schema/field-errors.js";

export type { FieldError } from "../../../../src/api/schema/field-errors.js";

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error that the server answers with a `Status` body and the given HTTP code. */
export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      code: this.code,
    };
    // An error that is no API Status has no reason (apiserver responsewriters ErrorToAPIStatus): omitted, not "".
    if (this.reason) body.reason = this.reason;
    if (this.details) body.details = this.details;
    return body;
  }
}

/** What a resource is called in messages: `sagemakeruserprofiles.sagemaker.gitops.io`, or `configmaps` in the core group. */
export const qualifiedResource = (group: string, plural: string): string => (group ? `${plural}.${group}` : plural);

export const notFound = (group: string, plural: string, name: string): KubeError =>
  new KubeError(404, "NotFound", `${qualifiedResource(group, plural)} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: plural,
  });

export const alreadyExists = (group: string, plural: string, name: string): KubeError =>
  new KubeError(409, "AlreadyExists", `${qualifiedResource(group, plural)} "${name}" already exists`, {
    name,
    group: group || undefined,
    kind: plural,
  });

export const conflict = (group: string, plural: string, name: string, why: string): KubeError =>
  new KubeError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": ${why}`,
    {
      name,
      group: group || undefined,
      kind: plural,
    },
  );

export const STALE_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

export const badRequest = (message: string): KubeError => new KubeError(400, "BadRequest", message);

export const methodNotAllowed = (
  message = "the server does not allow this method on the requested resource",
): KubeError => new KubeError(405, "MethodNotAllowed", message);

export const expired = (message: string): KubeError => new KubeError(410, "Expired", message);

export const gone = (message: string): KubeError => new KubeError(410, "Gone", message);

export const forbidden = (message: string, details?: StatusDetails): KubeError =>
  new KubeError(403, "Forbidden", message, details);

export const unauthorized = (): KubeError => new KubeError(401, "Unauthorized", "Unauthorized");

/**
 * Field errors as one message, as field.ErrorList.ToAggregate prints them: `field: message`, each distinct one once,
 * a bracketed list when there are several.
 */
export const aggregateMessage = (errors: FieldError[]): string => {
  const rendered = [...new Set(errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)))];
  return rendered.length === 1 ? (rendered[0] as string) : `[${rendered.join(", ")}]`;
};

/**
 * 422 Invalid, with the message format kubectl users see:
 * `Kind.group "name" is invalid: field: message` (a bracketed list when there are several).
 */
export const invalid = (kind: string, group: string, name: string, errors: FieldError[]): KubeError => {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  // The message lists each distinct error once; the causes keep every one (NewInvalid).
  return new KubeError(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${aggregateMessage(errors)}`, {
    name,
    group: group || undefined,
    kind,
    causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
  });
};

/** Status for an HTTP code chosen by fault injection or unavailability. */
export const statusForCode = (code: number, message?: string): KubeError => {
  const reasons: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
  };
  const reason = reasons[code] ?? "Unknown";
  const details = code === 429 || code === 503 ? { retryAfterSeconds: 1 } : undefined;
  return new KubeError(code, reason, message ?? `injected fault: ${reason}`, details);
};
