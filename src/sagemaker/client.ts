/**
 * The process's one SageMakerClient: standard credential chain and region, `AWS_ENDPOINT_URL_SAGEMAKER` honoured by
 * the SDK itself, standard retries for network errors and 5xx, and none for throttling (see ThrottleRefusingRetry).
 */
import { SageMakerClient, type SageMakerClientConfig } from "@aws-sdk/client-sagemaker";
import { StandardRetryStrategy } from "@smithy/core/retry";
import { trimMiddleware } from "./client-middleware.js";
import { SageMakerRequestHandler } from "./http-handler.js";
import { Sha256 } from "./sha256.js";

export interface SageMakerClientOptions {
  /** Default: the SDK's chain (AWS_REGION, shared config). */
  region?: string;
  /**
   * Explicit endpoint (tests). Leave unset in production: AWS_ENDPOINT_URL_SAGEMAKER is honoured by the SDK only
   * when no endpoint is passed.
   */
  endpoint?: string;
  /** Default: the standard chain (env, IRSA / Pod Identity, shared files, IMDS). Never logged. */
  credentials?: SageMakerClientConfig["credentials"];
  /** SDK attempts per call for network errors and 5xx; default 3. */
  maxAttempts?: number;
  /** Sockets per agent; set it to the limiter's concurrency (the SDK's default is 50). */
  maxSockets?: number;
  /** Give up on a connection attempt after this long; default 5 s. */
  connectionTimeoutMs?: number;
  /** Give up on a request after this long (a TimeoutError, retried like a network error); default 30 s. */
  requestTimeoutMs?: number;
}

export function createSageMakerClient(options: SageMakerClientOptions = {}): SageMakerClient {
  const maxAttempts = options.maxAttempts ?? 3;
  const client = new SageMakerClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts,
    // SigV4's hashes and HMACs without node:crypto's per-call key preparation (src/sagemaker/sha256.ts).
    sha256: Sha256,
    retryStrategy: new ThrottleRefusingRetry(maxAttempts),
    // The middleware stack resolved once per command class instead of on every call (smithy-typescript #1383,
    // aws-sdk-js-v3 #6423); it serves only sends without per-call options, so the gateway passes none (no abortSignal:
    // see SageMakerGateway.call). Middleware added after the first send would be ignored: the gateway adds its fence
    // before any.
    cacheMiddleware: true,
    requestHandler: new SageMakerRequestHandler({
      maxSockets: options.maxSockets ?? 50,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 5_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    }),
  });
  // The SDK builds its default user agent (os.release(), platform, versions) again for every call; it cannot change
  // within a process, so it is built once.
  const sdkUserAgent = client.config.defaultUserAgentProvider;
  let userAgent: ReturnType<typeof sdkUserAgent> | undefined;
  client.config.defaultUserAgentProvider = () => {
    userAgent ??= sdkUserAgent();
    return userAgent;
  };
  reuseSigners(client);
  trimMiddleware(client);
  return client;
}

/**
 * The SDK's default `signer` builds a new SignatureV4 for every call, from a copy of the whole client config (3 % of
 * the bytes the operator allocates while converging). What it builds depends only on the auth scheme's signing region
 * and name and on config values fixed after the first call (the credential provider, the signing name and region it
 * pins, sha256, signingEscapePath), so one signer per auth scheme signs the same requests. The credentials are still
 * asked of the provider at every signature (SignatureV4.sign), so rotated credentials are used as before.
 */
function reuseSigners(client: SageMakerClient): void {
  const config = client.config as { signer: (authScheme?: SigningScheme) => Promise<unknown> };
  const sdkSigner = config.signer;
  const signers = new Map<string, Promise<unknown>>();
  config.signer = (authScheme) => {
    const key = `${authScheme?.name}|${authScheme?.signingRegion}|${authScheme?.signingName}`;
    let signer = signers.get(key);
    if (!signer) {
      signer = sdkSigner(authScheme);
      signers.set(key, signer);
      signer.catch(() => signers.delete(key)); // a failed build (no region yet) is tried again
    }
    return signer;
  };
}

interface SigningScheme {
  name?: string;
  signingRegion?: string;
  signingName?: string;
}

type RetryToken = Awaited<ReturnType<StandardRetryStrategy["acquireInitialRetryToken"]>>;
type RetryErrorInfo = Parameters<StandardRetryStrategy["refreshRetryTokenForRetry"]>[1];

/**
 * The SDK's standard retry strategy, except that a throttled attempt is never retried inside the SDK. A retry there
 * would not pass through our limiter (it would spend no token and the limiter would never hear of the throttle), so
 * the rate could not adapt. Refusing it hands the ThrottlingException straight to the gateway, which reports it to
 * the limiter and retries, if at all, through the limiter. Network errors and 5xx keep the standard behaviour
 * (exponential backoff with jitter, the retry quota, `maxAttempts`).
 */
class ThrottleRefusingRetry {
  private readonly standard: StandardRetryStrategy;

  constructor(maxAttempts: number) {
    this.standard = new StandardRetryStrategy(maxAttempts);
  }

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.standard.acquireInitialRetryToken(scope);
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    // The SDK then throws the throttling error itself, with $metadata.attempts set.
    if (errorInfo.errorType === "THROTTLING") return Promise.reject(new Error("throttles are retried by the limiter"));
    return this.standard.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: RetryToken): void {
    this.standard.recordSuccess(token);
  }
}
