import { GraphQLError } from "graphql";

/** The error codes of API.md: clients depend on them, so they never change meaning. */
export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "QUERY_TOO_COMPLEX",
  "SERVICE_UNAVAILABLE",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** graphql-js's, Apollo's and Yoga's codes for a request that is not valid GraphQL: BAD_USER_INPUT to clients. */
export const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
]);

/**
 * A domain error: its message is written for the client and must never carry personal data, SQL or stacks.
 * `reason` is an optional finer, stable machine code (e.g. USER_ERASED) carried in extensions.
 */
export class TrustIdError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toGraphQLError(): GraphQLError {
    return new GraphQLError(this.message, {
      extensions: { code: this.code, ...(this.reason ? { reason: this.reason } : {}) },
    });
  }
}

export class BadUserInputError extends TrustIdError {
  constructor(message: string, reason?: string) {
    super("BAD_USER_INPUT", message, reason);
  }
}
export class NotFoundError extends TrustIdError {
  constructor(message: string, reason?: string) {
    super("NOT_FOUND", message, reason);
  }
}
export class ConflictError extends TrustIdError {
  constructor(message: string, reason?: string) {
    super("CONFLICT", message, reason);
  }
}
export class ForbiddenError extends TrustIdError {
  constructor(message = "Not allowed", reason?: string) {
    super("FORBIDDEN", message, reason);
  }
}
export class UnauthenticatedError extends TrustIdError {
  constructor(message = "Authentication required", reason?: string) {
    super("UNAUTHENTICATED", message, reason);
  }
}
export class ServiceUnavailableError extends TrustIdError {
  constructor(message: string, reason?: string) {
    super("SERVICE_UNAVAILABLE", message, reason);
  }
}
