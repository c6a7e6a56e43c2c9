/**
 * Per-call SDK middleware that does nothing for this operator, removed or made to do its work once per process.
 * Nothing here changes what goes on the wire (test/sagemaker/client-middleware.test.ts asserts the request the
 * emulator receives).
 */
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { endpointMiddlewareOptions, getEndpointPlugin } from "@smithy/core/endpoints";

type Stack = SageMakerClient["middlewareStack"];
type EndpointParameterInstructions = Parameters<typeof getEndpointPlugin>[1];
type Handler = (args: object) => Promise<unknown>;
type SerializeMiddleware = (next: Handler, context: EndpointContext) => Handler;

export function trimMiddleware(client: SageMakerClient): void {
  // Logs through config.logger, which is the SDK's NoOpLogger: the operator configures none and logs calls itself.
  client.middlewareStack.remove("loggerMiddleware");
  // Adds X-Amzn-Trace-Id / traceparent only inside AWS Lambda (AWS_LAMBDA_FUNCTION_NAME and a trace id set, or the
  // Lambda runtime's invoke store); the operator runs in a Kubernetes pod. Two awaits and two header scans per call.
  client.middlewareStack.remove("recursionDetectionMiddleware");
  reuseEndpoint(client);
}

/** What the SDK keeps in a handler's context (@smithy/types HandlerExecutionContext). */
interface EndpointContext {
  endpointV2?: unknown;
  authSchemes?: unknown[];
  __smithy_context?: { commandInstance?: object };
}

/**
 * The SDK's endpointV2Middleware resolves the endpoint again on every call: a copy of the whole client config, the
 * four endpoint parameters (region, endpoint, FIPS, dual-stack) read through their providers, then the endpoint
 * rules' cache (3 % of the bytes allocated while converging). SageMaker's commands have no per-operation endpoint
 * parameter (every command's instructions are the client's common ones: region, endpoint, UseFIPS, UseDualStack),
 * and those providers are memoized by the SDK (region, FIPS and dual-stack by their config loaders, the endpoint
 * from AWS_ENDPOINT_URL_SAGEMAKER / shared config once per client), so the rules' cache hands back the same endpoint
 * object on every call. The SDK's own middleware therefore still resolves it, on the first call of each command
 * class (the stack is resolved once per command class, cacheMiddleware); later calls reuse what it set in the
 * context. When the endpoint carries auth schemes (signing properties applied to each call's auth option) or a
 * command has operation parameters, every call goes through the SDK's middleware as before. The command adds the
 * SDK's middleware to its own stack, which the client's stack `concat`s when the command's handler is resolved; the
 * merged stack then gets this one in its place (same name, step and position: endpointMiddlewareOptions).
 */
function reuseEndpoint(client: SageMakerClient): void {
  const config = client.config;
  const onceResolved: SerializeMiddleware = (next, context) => {
    const command = context.__smithy_context?.commandInstance;
    const instructions = (
      command?.constructor as Partial<CommandClass> | undefined
    )?.getEndpointParameterInstructions?.();
    const sdk = sdkEndpointMiddleware(config, instructions ?? {});
    // Parameters read from the call's input make the endpoint depend on the call: resolved each time.
    const fixed = instructions && Object.values(instructions).every((i) => !PER_CALL.has(i.type));
    if (!fixed) return sdk(next, context);
    let endpoint: unknown;
    const resolveAndSend = sdk((args) => {
      if (!context.authSchemes?.length) endpoint = context.endpointV2;
      return next(args);
    }, context);
    return (args) => {
      if (endpoint !== undefined && context.endpointV2 === endpoint) return next(args);
      return resolveAndSend(args);
    };
  };
  const stack = client.middlewareStack;
  const concat = stack.concat.bind(stack);
  stack.concat = ((from: Parameters<Stack["concat"]>[0]) => {
    const merged = concat(from) as unknown as Stack;
    merged.addRelativeTo(onceResolved as unknown as Parameters<Stack["addRelativeTo"]>[0], endpointMiddlewareOptions);
    return merged;
  }) as Stack["concat"];
}

const PER_CALL = new Set(["contextParams", "operationContextParams"]);

interface CommandClass {
  getEndpointParameterInstructions(): EndpointParameterInstructions;
}

/** The SDK's endpointV2Middleware for these instructions, as its command builder adds it. */
function sdkEndpointMiddleware(
  config: SageMakerClient["config"],
  instructions: EndpointParameterInstructions,
): SerializeMiddleware {
  let middleware: SerializeMiddleware | undefined;
  getEndpointPlugin(config, instructions).applyToStack({
    addRelativeTo: (added: SerializeMiddleware) => {
      middleware = added;
    },
  } as unknown as Stack);
  if (!middleware) throw new Error("the SDK's endpoint plugin added no middleware");
  return middleware;
}
