/**
 * Per-call SDK middleware that does nothing for this operator, removed, made to do its work once per process or
 * command class, or to do it without copying the client config. Nothing here changes what goes on the wire or what a
 * failed call throws (test/sagemaker/client-middleware.test.ts compares both with the SDK's own client's).
 */
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { getUserAgentMiddlewareOptions, userAgentMiddleware } from "@aws-sdk/core/client";
import { endpointMiddlewareOptions, getEndpointPlugin } from "@smithy/core/endpoints";
import { deserializerMiddlewareOption, operation, serializerMiddlewareOption } from "@smithy/core/schema";
import { HttpRequest, HttpResponse, toEndpointV1 } from "@smithy/core/transport";

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
  userAgentOncePerCommand(client);
  onMergedStack(client, (merged) => {
    reuseEndpoint(client, merged);
    serdeWithoutConfigCopy(client, merged);
  });
}

/**
 * The stack a command's handler is resolved with is the client's stack `concat` the command's own (where the SDK adds
 * the endpoint and serde middleware): `replace` gets each merged stack before it is resolved.
 */
function onMergedStack(client: SageMakerClient, replace: (merged: Stack) => void): void {
  const stack = client.middlewareStack;
  const concat = stack.concat.bind(stack);
  stack.concat = ((from: Parameters<Stack["concat"]>[0]) => {
    const merged = concat(from) as unknown as Stack;
    replace(merged);
    return merged;
  }) as Stack["concat"];
}

/** What the SDK keeps in a handler's context (@smithy/types HandlerExecutionContext). */
interface EndpointContext {
  endpointV2?: unknown;
  authSchemes?: unknown[];
  __smithy_context?: { commandInstance?: object; operationSchema?: OperationSchemaTuple };
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
function reuseEndpoint(client: SageMakerClient, merged: Stack): void {
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
  merged.addRelativeTo(onceResolved as unknown as Parameters<Stack["addRelativeTo"]>[0], endpointMiddlewareOptions);
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

/** A command's operation schema as the SDK keeps it in the handler context: a tag, then `operation()`'s arguments. */
type OperationSchemaTuple = [unknown, ...Parameters<typeof operation>];
/** The two protocol methods the serde middleware calls, as @smithy/types' ClientProtocol declares them (loosely). */
interface SerdeProtocol {
  serializeRequest(schema: unknown, input: object, context: object): Promise<unknown>;
  deserializeResponse(schema: unknown, context: object, response: unknown): Promise<unknown>;
}
/** A stack's `add`, typed loosely: the middleware here are plain functions of (next, context). */
type AddMiddleware = (middleware: unknown, options: object) => void;
type SerdeContext = EndpointContext & { logger?: { warn?: (message: string) => void } };
type SerdeHandler = (args: { input: object; request?: unknown }) => Promise<{ response: unknown; output?: unknown }>;
type SerdeMiddleware = (next: SerdeHandler, context: SerdeContext) => SerdeHandler;

/**
 * The SDK's schema serde middleware hands the protocol `{ ...config, ...context }` on every call, on the way out and
 * again on the way back: two copies of the client config's 44 properties per call, 9 % of the bytes the operator
 * allocated while converging (V8's sampling heap profiler, 3,000 drifted profiles). The protocol only reads that object
 * (the endpoint, the stream collector), so here it reads through one whose own properties are the context's and whose
 * prototype is the config: the same values, no copy. What is serialised, deserialised and thrown is the SDK's own
 * (@smithy/core's schemaSerializationMiddleware and schemaDeserializationMiddleware, which these replace under their
 * names), with the operation schema built once per command class instead of on every call.
 */
function serdeWithoutConfigCopy(client: SageMakerClient, merged: Stack): void {
  const config = client.config;
  const protocol = config.protocol as unknown as SerdeProtocol;
  const view = (context: SerdeContext, extra?: object): object => Object.assign(Object.create(config), context, extra);
  const operationOf = (context: SerdeContext) => {
    const [, ns, n, t, i, o] = context.__smithy_context?.operationSchema ?? [];
    return operation(ns as string, n as string, t as number, i as never, o as never);
  };
  const serialize: SerdeMiddleware = (next, context) => {
    let schema: ReturnType<typeof operation> | undefined;
    return async (args) => {
      schema ??= operationOf(context);
      const endpointV2 = context.endpointV2 as Parameters<typeof toEndpointV1>[0] | undefined;
      const endpoint = endpointV2 ? async () => toEndpointV1(endpointV2) : config.endpoint;
      const request = await protocol.serializeRequest(schema, args.input, view(context, { endpoint }));
      return next({ ...args, request });
    };
  };
  const deserialize: SerdeMiddleware = (next, context) => {
    let schema: ReturnType<typeof operation> | undefined;
    return async (args) => {
      const { response } = await next(args);
      schema ??= operationOf(context);
      try {
        const output = await protocol.deserializeResponse(schema, view(context), response);
        return { response, output };
      } catch (error) {
        throw withResponse(error as DeserializeError, response, context);
      }
    };
  };
  const add = merged.add.bind(merged) as unknown as AddMiddleware;
  add(serialize, serializerMiddlewareOption);
  add(deserialize, deserializerMiddlewareOption);
}

interface DeserializeError extends Error {
  $response?: { body?: unknown };
  $responseBodyText?: string;
  $metadata?: object;
}

/** A failed deserialisation's error, decorated as schemaDeserializationMiddleware does. */
function withResponse(error: DeserializeError, response: unknown, context: SerdeContext): DeserializeError {
  Object.defineProperty(error, "$response", {
    value: response,
    enumerable: false,
    writable: false,
    configurable: false,
  });
  if ("$metadata" in error) return error;
  const hint =
    "Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.";
  try {
    error.message += `\n  ${hint}`;
  } catch {
    const logger = context.logger;
    (!logger || logger.constructor?.name === "NoOpLogger" ? console : logger).warn?.(hint);
  }
  if (typeof error.$responseBodyText !== "undefined" && error.$response) error.$response.body = error.$responseBodyText;
  if (HttpResponse.isInstance(response)) {
    const entries = Object.entries(response.headers ?? {});
    const header = (pattern: RegExp) => entries.find(([k]) => pattern.test(k))?.[1];
    error.$metadata = {
      httpStatusCode: response.statusCode,
      requestId: header(/^x-[\w-]+-request-?id$/),
      extendedRequestId: header(/^x-[\w-]+-id-2$/),
      cfId: header(/^x-[\w-]+-cf-id$/),
    };
  }
  return error;
}

const USER_AGENT_HEADERS = ["x-amz-user-agent", "user-agent"] as const;

/**
 * The SDK's user agent middleware builds its two headers on every call: the default user agent's pairs escaped one by
 * one, the features checked and encoded, three awaits (5 % of the bytes allocated while converging). What they carry
 * (SDK, OS, Node and API versions, the app id, the retry mode, the credentials' source) is fixed in a process, so the
 * SDK's middleware builds them on the first call of each command class and the later calls of that class send the
 * same two headers. Features the SDK records only after that first call (it only ever adds them) are left out of
 * those headers: they are telemetry for AWS, nothing a request needs.
 */
function userAgentOncePerCommand(client: SageMakerClient): void {
  const sdk = userAgentMiddleware(client.config) as unknown as (next: Handler, context: object) => Handler;
  const once = (next: Handler, context: object): Handler => {
    let built: [string, string][] | undefined;
    const build = sdk((args) => {
      const headers = (args as { request: HttpRequest }).request.headers;
      built = USER_AGENT_HEADERS.filter((name) => headers[name] !== undefined).map((name) => [
        name,
        headers[name] as string,
      ]);
      return next(args);
    }, context);
    return (args) => {
      const request = (args as { request?: unknown }).request;
      if (!built || !HttpRequest.isInstance(request)) return build(args);
      for (const [name, value] of built) request.headers[name] = value;
      return next(args);
    };
  };
  // In the SDK's place: right before the host header, so the headers keep their order on the wire.
  const stack = client.middlewareStack;
  stack.remove("getUserAgentMiddleware");
  (stack.addRelativeTo.bind(stack) as unknown as AddMiddleware)(once, {
    name: "getUserAgentMiddleware",
    tags: getUserAgentMiddlewareOptions.tags,
    relation: "before",
    toMiddleware: "hostHeaderMiddleware",
  });
}
