import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { type ExecutionResult, GraphQLError, type GraphQLErrorExtensions } from "graphql";
import { ERROR_CODES, type ErrorCode, REQUEST_ERROR_CODES } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";

const API_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
const AS_BAD_INPUT = REQUEST_ERROR_CODES;
/** The gateway could not get an answer from a subgraph (its messages name hosts and ports). */
const AS_UNAVAILABLE = new Set([
  "SUBREQUEST_HTTP_ERROR",
  "DOWNSTREAM_SERVICE_ERROR",
  "TIMEOUT_ERROR",
  "GATEWAY_TIMEOUT",
  "SHUTTING_DOWN",
  "SCHEMA_RELOAD",
]);
const UNAVAILABLE_MESSAGE = "A service is unavailable, try again shortly";
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * Every error a client receives from the gateway carries one of API.md's codes, whoever raised it: the
 * subgraphs (already coded), Yoga (parse, validation, CSRF, batching), graphql-armor (coded in limits.ts) or
 * the gateway's own execution. In production, what is left unexplained is INTERNAL with a fixed message,
 * "Did you mean" suggestions are removed from every message (the schema stays unlistable with introspection
 * off), and the subgraph's name is not disclosed.
 */
export function useApiErrors(options: { production: boolean; logger: Logger }): GatewayPlugin {
  const normalise = (result: ExecutionResult): ExecutionResult =>
    result.errors?.length ? { ...result, errors: result.errors.map((e) => toApiError(e, options)) } : result;
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result)) setResult(result.map(normalise));
      else if (isAsyncIterable(result)) setResult(mapAsync(result, normalise));
      else setResult(normalise(result as ExecutionResult));
    },
  };
}

/**
 * Production's masking (Yoga's `maskedErrors.maskError`): an error the gateway did not expect becomes INTERNAL
 * with a fixed message, except a subgraph that could not be reached, which is SERVICE_UNAVAILABLE (and gets
 * its fixed message in toApiError). Runs before useApiErrors, which would otherwise only see "unexpected".
 */
export function maskUnexpectedError(logger: Logger) {
  return (error: unknown): Error => {
    const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
    if (typeof code === "string" && AS_UNAVAILABLE.has(code)) return error as GraphQLError;
    logInternal(logger, error, code);
    return new GraphQLError("Internal error", {
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: "INTERNAL" },
    });
  };
}

/** Names and codes only: a message may carry a variable's value, a host name or a driver's SQL. */
function logInternal(logger: Logger, error: unknown, code: unknown): void {
  const original = (error as { originalError?: Error }).originalError ?? (error as Error);
  logger.error(
    { err: { name: original?.name, code: typeof code === "string" ? code : undefined } },
    "unexpected gateway error",
  );
}

function toApiError(error: GraphQLError, options: { production: boolean; logger: Logger }): GraphQLError {
  // `request` (the subgraph query and its variables, attached by the HTTP transport) is never the client's
  // business; `http` is Yoga's own and read below.
  const {
    http,
    serviceName,
    request: _request,
    code: rawCode,
    ...rest
  } = (error.extensions ?? {}) as Record<string, unknown>;
  const code = apiCode(error, rawCode, http);
  if (code === "INTERNAL" && rawCode !== "INTERNAL") logInternal(options.logger, error, rawCode);
  let message = error.message;
  if (code === "SERVICE_UNAVAILABLE" && AS_UNAVAILABLE.has(String(rawCode))) {
    options.logger.warn({ subgraph: serviceName, code: rawCode }, "subgraph unavailable");
    message = UNAVAILABLE_MESSAGE;
  }
  if (options.production) {
    message = code === "INTERNAL" ? "Internal error" : message.replace(SUGGESTION, "");
  }
  const extensions: Record<string, unknown> = {
    ...(options.production && code === "INTERNAL" ? {} : rest),
    ...(options.production || serviceName === undefined ? {} : { serviceName }),
    code,
    ...(code === "FORBIDDEN" && rawCode === undefined ? { reason: "CSRF" } : {}),
    // Yoga reads the HTTP status from here and removes it from the response.
    ...(http === undefined ? {} : { http }),
  };
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: extensions as GraphQLErrorExtensions,
  });
}

function apiCode(error: GraphQLError, rawCode: unknown, http: unknown): ErrorCode {
  if (typeof rawCode === "string") {
    if (API_CODES.has(rawCode)) return rawCode as ErrorCode;
    if (AS_BAD_INPUT.has(rawCode)) return "BAD_USER_INPUT";
    if (AS_UNAVAILABLE.has(rawCode)) return "SERVICE_UNAVAILABLE";
    return "INTERNAL";
  }
  // Yoga's CSRF prevention answers 403 with no code.
  if ((http as { status?: number } | undefined)?.status === 403) return "FORBIDDEN";
  // graphql-js's own request errors (variable coercion, unknown operation) have neither a path nor a cause.
  if (!error.path && !error.originalError) return "BAD_USER_INPUT";
  return "INTERNAL";
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === "function";
}

async function* mapAsync(
  source: AsyncIterable<ExecutionResult>,
  map: (result: ExecutionResult) => ExecutionResult,
): AsyncIterable<ExecutionResult> {
  for await (const item of source) yield map(item);
}
