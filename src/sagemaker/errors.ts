/**
 * What a failed SageMaker call means for the operator (docs/architecture.md, "Errors become actions"). Pure.
 */
import { isThrottlingError } from "@smithy/core/retry";

/**
 * - `inUse`: ResourceInUse. On Update/Delete the profile is busy (retry with backoff); on CreateUserProfile it means
 *   the profile already exists, which only the caller can judge.
 * - `throttled`: over the account's request rate; the limiter slows down and the work is requeued.
 * - `notFound`: ResourceNotFound.
 * - `transient`: network errors, timeouts, 5xx and anything unrecognised: retry with backoff.
 * - `terminal`: the request cannot succeed as sent (validation, permissions, limits, credentials/signature).
 */
export type ErrorKind = "inUse" | "throttled" | "notFound" | "transient" | "terminal";

export interface ClassifiedError {
  kind: ErrorKind;
  /** The AWS error code (`err.name` / `__type`), or the Node error code for network errors (`ECONNRESET`). */
  code: string;
  message: string;
  httpStatus?: number;
  /** Attempts the SDK made, retries included (`$metadata.attempts`). */
  attempts?: number;
}

/** Thrown by the gateway: the classification, the operation, and the SDK's error as `cause`. */
export class SageMakerError extends Error {
  override readonly name = "SageMakerError";

  constructor(
    readonly operation: string,
    readonly classified: ClassifiedError,
    cause: unknown,
  ) {
    super(`${operation}: ${classified.code}: ${classified.message}`, { cause });
  }

  get kind(): ErrorKind {
    return this.classified.kind;
  }

  get code(): string {
    return this.classified.code;
  }
}

const IN_USE = new Set(["ResourceInUse", "ResourceInUseException"]);
const NOT_FOUND = new Set(["ResourceNotFound", "ResourceNotFoundException"]);
/** Throttling codes SageMaker and the AWS front door use; the SDK's own list is consulted as well. */
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
]);
const TERMINAL = new Set([
  "ValidationException",
  "ValidationError",
  "AccessDeniedException",
  "AccessDenied",
  "ResourceLimitExceeded",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "InvalidClientTokenId",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "ExpiredTokenException",
  "NotAuthorized",
  "OptInRequired",
  "SerializationException",
  "UnknownOperationException",
  "InvalidParameterValue",
  "MissingParameter",
]);
/** Error names that carry no AWS code; the code is then looked for elsewhere. */
const GENERIC_NAMES = new Set(["Error", "UnknownError", "SageMakerServiceException", "ServiceException"]);

export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof SageMakerError) return err.classified;
  const e = (typeof err === "object" && err !== null ? err : {}) as ErrorFields;
  const httpStatus = e.$metadata?.httpStatusCode ?? e.$response?.statusCode ?? numberOrUndefined(e.statusCode);
  const attempts = e.$metadata?.attempts;
  const code = codeOf(e, err);
  const message = messageOf(e, err);
  return definedOnly({ kind: kindOf(code, httpStatus, e), code, message, httpStatus, attempts });
}

interface ErrorFields {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  Message?: unknown;
  __type?: unknown;
  Code?: unknown;
  statusCode?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { statusCode?: number };
  $retryable?: { throttling?: boolean };
}

function codeOf(e: ErrorFields, err: unknown): string {
  const name = typeof e.name === "string" ? e.name : undefined;
  if (name && !GENERIC_NAMES.has(name)) return name;
  // A JSON error type may come namespaced ("com.amazonaws.sagemaker#ResourceNotFound").
  for (const candidate of [e.__type, e.Code]) {
    if (typeof candidate === "string" && candidate) return candidate.slice(candidate.lastIndexOf("#") + 1);
  }
  if (typeof e.code === "string" && e.code) return e.code;
  if (name) return name;
  return typeof err === "string" ? "Error" : "Unknown";
}

function messageOf(e: ErrorFields, err: unknown): string {
  for (const m of [e.message, e.Message]) if (typeof m === "string" && m) return m;
  if (typeof err === "string") return err;
  return err === undefined || err === null ? String(err) : "(no message)";
}

function kindOf(code: string, httpStatus: number | undefined, e: ErrorFields): ErrorKind {
  if (IN_USE.has(code)) return "inUse";
  if (NOT_FOUND.has(code)) return "notFound";
  if (THROTTLED.has(code) || httpStatus === 429 || isThrottlingError(e as Parameters<typeof isThrottlingError>[0]))
    return "throttled";
  if (TERMINAL.has(code)) return "terminal";
  // Everything else is worth another try later: Node network errors (ECONNRESET, ETIMEDOUT, "socket hang up" is
  // ECONNRESET too, ENOTFOUND...), TimeoutError, 5xx (InternalFailure, ServiceUnavailable) and codes never seen before.
  return "transient";
}

const numberOrUndefined = (v: unknown) => (typeof v === "number" ? v : undefined);

function definedOnly(c: ClassifiedError): ClassifiedError {
  if (c.httpStatus === undefined) delete c.httpStatus;
  if (c.attempts === undefined) delete c.attempts;
  return c;
}
