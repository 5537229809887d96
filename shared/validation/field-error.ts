/**
 * Per-field validation errors, as reported in ingestion reports (`FieldError` in the GraphQL contract).
 *
 * Messages are fixed phrases: they must never contain the rejected value, because that value is
 * usually personal data and reports, logs and metrics all carry messages.
 */

export type FieldErrorCode =
  | "REQUIRED"
  | "INVALID_TYPE"
  | "TOO_LONG"
  | "NOT_PRINTABLE"
  | "INVALID_NAME"
  | "INVALID_EMAIL"
  | "INVALID_DATE"
  | "DATE_IN_FUTURE"
  | "IMPLAUSIBLE_AGE"
  | "INVALID_PHONE"
  | "INVALID_EXTERNAL_REF"
  | "DUPLICATE_IN_BATCH"
  | "USER_ERASED";

/** Every code with a one-line description; the README's error table is generated from this. */
export const FieldErrorCodes = Object.freeze({
  REQUIRED: "A required field is missing, null or empty after trimming.",
  INVALID_TYPE: "The field has the wrong type (for example a number where a string is expected).",
  TOO_LONG: "The field exceeds its maximum length (counted in Unicode code points unless stated otherwise).",
  NOT_PRINTABLE:
    "The field contains control, bidirectional-override, zero-width or other invisible characters.",
  INVALID_NAME:
    "A name contains characters other than letters, marks, spaces, hyphens, apostrophes and periods.",
  INVALID_EMAIL: "The email address is not a syntactically valid address.",
  INVALID_DATE: "The date is not a real calendar date in an accepted unambiguous format.",
  DATE_IN_FUTURE: "The date lies in the future.",
  IMPLAUSIBLE_AGE: "The date of birth gives an age outside the accepted range.",
  INVALID_PHONE: "The phone number is not a valid, dialable number.",
  INVALID_EXTERNAL_REF:
    "The external reference contains characters other than ASCII letters, digits and -_.:/@.",
  DUPLICATE_IN_BATCH: "Another record in the same batch has the same external reference.",
  USER_ERASED: "The user was erased and cannot be re-ingested under the same external reference.",
} as const satisfies Readonly<Record<FieldErrorCode, string>>);

export const fieldErrorCodes: readonly FieldErrorCode[] = Object.freeze(
  Object.keys(FieldErrorCodes) as FieldErrorCode[],
);

export interface FieldError {
  field: string;
  code: FieldErrorCode;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: FieldError };

export function isFieldErrorCode(value: unknown): value is FieldErrorCode {
  return typeof value === "string" && Object.hasOwn(FieldErrorCodes, value);
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(field: string, code: FieldErrorCode, message: string): Result<T> {
  return { ok: false, error: { field, code, message } };
}

/** Chains a check onto a successful result; a failure passes through untouched. */
export function andThen<T, U>(result: Result<T>, next: (value: T) => Result<U>): Result<U> {
  return result.ok ? next(result.value) : result;
}

/** Re-labels an error, for callers that reuse a cleaner under another input field name. */
export function withField<T>(result: Result<T>, field: string): Result<T> {
  return result.ok ? result : { ok: false, error: { ...result.error, field } };
}
