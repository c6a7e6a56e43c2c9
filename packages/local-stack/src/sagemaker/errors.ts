/** An AWS error answer: the SDK names the thrown error after `code` (the body's `__type`). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = defaultStatus(code),
  ) {
    super(message);
  }
}

/** The HTTP status AWS JSON services send with a code: 400 for client errors, including throttling. */
export function defaultStatus(code: string): number {
  switch (code) {
    case "InternalFailure":
    case "InternalServerError":
      return 500;
    case "ServiceUnavailable":
      return 503;
    case "MissingAuthenticationTokenException":
      return 403;
    default:
      return 400;
  }
}

export const notFound = (message: string) => new ApiError("ResourceNotFound", message);
export const inUse = (message: string) => new ApiError("ResourceInUse", message);
export const invalid = (message: string) => new ApiError("ValidationException", message);
