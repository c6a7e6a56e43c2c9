/**
 * The SageMaker side of the operator: the SDK client, the shared rate limiter (token buckets + AIMD + concurrency),
 * error classification, and the gateway the reconciler calls.
 */
export { type AimdOptions, AimdRate } from "./aimd.js";
export { createSageMakerClient, type SageMakerClientOptions } from "./client.js";
export {
  type AssumedRoleCredentials,
  type AssumedRoleOptions,
  type AwsCredentialIdentity,
  type AwsCredentialIdentityProvider,
  assumedRoleCredentials,
  type CallerIdentity,
  getCallerIdentity,
} from "./credentials.js";
export { type ClassifiedError, classifyError, type ErrorKind, SageMakerError } from "./errors.js";
export {
  type CallObserver,
  type DescribeDomainOutput,
  type GatewayOptions,
  SageMakerGateway,
} from "./gateway.js";
export { type CallKind, RateLimiter, type RateLimiterOptions, type Release } from "./limiter.js";
export { TokenBucket } from "./token-bucket.js";
