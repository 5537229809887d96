import type { GraphQLFormattedError } from "graphql";
import { ERROR_CODES, REQUEST_ERROR_CODES, TrustIdError } from "../errors.js";
import type { Logger } from "../logger.js";

/** Codes a subgraph's own errors may carry to the client as they are (INTERNAL is always re-made here). */
const PASSTHROUGH: ReadonlySet<string> = new Set(ERROR_CODES.filter((c) => c !== "INTERNAL"));
const AS_BAD_INPUT = REQUEST_ERROR_CODES;

/**
 * The one place that maps errors to responses: domain errors keep their code and message; GraphQL syntax and
 * validation errors become BAD_USER_INPUT; anything else (a bug, a driver error with SQL in it) is logged
 * server-side and answered as INTERNAL with a fixed message.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  if (original instanceof TrustIdError) {
    return {
      message: original.message,
      path: formatted.path,
      extensions: { code: original.code, ...(original.reason ? { reason: original.reason } : {}) },
    };
  }
  const code = String(formatted.extensions?.code ?? "");
  if (PASSTHROUGH.has(code))
    return {
      message: formatted.message,
      path: formatted.path,
      extensions: { ...formatted.extensions, code },
    };
  if (AS_BAD_INPUT.has(code)) {
    return {
      message: formatted.message,
      locations: formatted.locations,
      extensions: { code: "BAD_USER_INPUT" },
    };
  }
  logger.error({ err: describeInternal(original) }, "internal error");
  return { message: "Internal error", path: formatted.path, extensions: { code: "INTERNAL" } };
}

/**
 * What an operator needs to find the bug, without the message: driver errors put the SQL and its parameters
 * in the message and PostgreSQL puts row values in `detail`, so only the class, codes and stack frames are kept.
 */
function describeInternal(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const e = error as Error & { code?: unknown; sqlState?: unknown };
  return {
    name: e.name,
    code: typeof e.code === "string" ? e.code : undefined,
    sqlState: typeof e.sqlState === "string" ? e.sqlState : undefined,
    frames: e.stack
      ?.split("\n")
      .filter((l) => l.trimStart().startsWith("at "))
      .slice(0, 12),
  };
}
