/**
 * classifyError over errors built the way the SDK builds them: modelled exception classes, SageMakerServiceException
 * with the wire code as its name for unmodelled codes, and Node's network errors.
 */
import {
  ResourceInUse,
  ResourceLimitExceeded,
  ResourceNotFound,
  SageMakerServiceException,
} from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import { type ClassifiedError, classifyError, SageMakerError } from "../../src/sagemaker/index.js";

const meta = (httpStatusCode: number, attempts = 1) => ({ httpStatusCode, attempts, totalRetryDelay: 0 });

/** What the SDK throws for a code the model does not declare (seen over HTTP: name = __type = the code). */
function unmodelled(code: string, httpStatusCode: number, message = `${code} message`, attempts = 1) {
  const err = new SageMakerServiceException({
    name: code,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: meta(httpStatusCode, attempts),
    message,
  });
  return Object.assign(err, { __type: code });
}

function nodeError(code: string, message: string) {
  return Object.assign(new Error(message), { code, errno: -1, syscall: "read" });
}

const cases: Array<[string, unknown, Partial<ClassifiedError>]> = [
  [
    "ResourceInUse (modelled)",
    new ResourceInUse({ message: "Profile is in use", $metadata: meta(400) }),
    { kind: "inUse", code: "ResourceInUse", message: "Profile is in use", httpStatus: 400, attempts: 1 },
  ],
  [
    "ResourceNotFound (modelled)",
    new ResourceNotFound({ message: "User profile does not exist", $metadata: meta(400) }),
    { kind: "notFound", code: "ResourceNotFound" },
  ],
  [
    "ResourceLimitExceeded (modelled)",
    new ResourceLimitExceeded({ message: "The account-level service limit", $metadata: meta(400) }),
    { kind: "terminal", code: "ResourceLimitExceeded" },
  ],
  [
    "ThrottlingException",
    unmodelled("ThrottlingException", 400, "Rate exceeded"),
    { kind: "throttled", code: "ThrottlingException", message: "Rate exceeded", httpStatus: 400 },
  ],
  ["ThrottledException", unmodelled("ThrottledException", 400), { kind: "throttled" }],
  ["RequestLimitExceeded", unmodelled("RequestLimitExceeded", 400), { kind: "throttled" }],
  ["TooManyRequestsException", unmodelled("TooManyRequestsException", 429), { kind: "throttled" }],
  ["an unknown code on HTTP 429", unmodelled("SlowDownPlease", 429), { kind: "throttled", code: "SlowDownPlease" }],
  ["ValidationException", unmodelled("ValidationException", 400), { kind: "terminal", code: "ValidationException" }],
  ["AccessDeniedException", unmodelled("AccessDeniedException", 400), { kind: "terminal" }],
  ["UnrecognizedClientException", unmodelled("UnrecognizedClientException", 400), { kind: "terminal" }],
  ["InvalidSignatureException", unmodelled("InvalidSignatureException", 400), { kind: "terminal" }],
  ["ExpiredTokenException", unmodelled("ExpiredTokenException", 400), { kind: "terminal" }],
  [
    "InternalFailure after 3 attempts",
    unmodelled("InternalFailure", 500, "We encountered an internal error", 3),
    { kind: "transient", code: "InternalFailure", httpStatus: 500, attempts: 3 },
  ],
  ["ServiceUnavailable", unmodelled("ServiceUnavailable", 503), { kind: "transient", httpStatus: 503 }],
  [
    "ECONNRESET",
    nodeError("ECONNRESET", "read ECONNRESET"),
    { kind: "transient", code: "ECONNRESET", message: "read ECONNRESET" },
  ],
  ["socket hang up", nodeError("ECONNRESET", "socket hang up"), { kind: "transient", code: "ECONNRESET" }],
  ["ETIMEDOUT", nodeError("ETIMEDOUT", "connect ETIMEDOUT 10.0.0.1:443"), { kind: "transient", code: "ETIMEDOUT" }],
  ["ENOTFOUND", nodeError("ENOTFOUND", "getaddrinfo ENOTFOUND api.sagemaker"), { kind: "transient" }],
  [
    "TimeoutError (the SDK's request timeout)",
    Object.assign(new Error("Connection timed out after 5000 ms"), { name: "TimeoutError" }),
    { kind: "transient", code: "TimeoutError" },
  ],
  [
    "a code never seen before (4xx)",
    unmodelled("SomethingNew", 400),
    { kind: "transient", code: "SomethingNew", httpStatus: 400 },
  ],
  [
    "a namespaced __type on a generic error",
    Object.assign(new Error("x"), { __type: "com.amazonaws#ResourceInUse" }),
    {
      kind: "inUse",
      code: "ResourceInUse",
    },
  ],
  ["a string", "boom", { kind: "transient", code: "Error", message: "boom" }],
  ["undefined", undefined, { kind: "transient", code: "Unknown", message: "undefined" }],
];

describe("classifyError", () => {
  it.each(cases)("%s", (_label, err, expected) => {
    expect(classifyError(err)).toMatchObject(expected);
  });

  it("covers every kind", () => {
    const kinds = new Set(cases.map(([, err]) => classifyError(err).kind));
    expect([...kinds].sort()).toEqual(["inUse", "notFound", "terminal", "throttled", "transient"]);
  });

  it("leaves httpStatus and attempts out when the error has none", () => {
    expect(classifyError(nodeError("ECONNRESET", "read ECONNRESET"))).toEqual({
      kind: "transient",
      code: "ECONNRESET",
      message: "read ECONNRESET",
    });
  });

  it("reads a SageMakerError's own classification, and keeps the SDK error as its cause", () => {
    const original = new ResourceInUse({ message: "busy", $metadata: meta(400, 1) });
    const wrapped = new SageMakerError("UpdateUserProfile", classifyError(original), original);
    expect(wrapped.cause).toBe(original);
    expect(wrapped.kind).toBe("inUse");
    expect(wrapped.code).toBe("ResourceInUse");
    expect(wrapped.message).toBe("UpdateUserProfile: ResourceInUse: busy");
    expect(classifyError(wrapped)).toEqual({
      kind: "inUse",
      code: "ResourceInUse",
      message: "busy",
      httpStatus: 400,
      attempts: 1,
    });
  });
});
