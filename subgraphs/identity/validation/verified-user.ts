import { type FieldError, fail, ok, type Result } from "../../../shared/validation/field-error.js";
import { cleanDateOfBirth, isCalendarDate } from "./date-of-birth.js";
import { cleanEmail } from "./email.js";
import { cleanExternalRef } from "./external-ref.js";
import { cleanName } from "./name.js";
import { assertSupportedRegion, type CountryCode, cleanPhone } from "./phone.js";

/** `VerifiedUserInput` from the GraphQL contract, as a resolver receives it. */
export interface VerifiedUserInput {
  externalRef: string;
  firstName: string;
  lastName: string;
  email: string;
  dateOfBirth: string;
  phoneNumber?: string | null;
  verifiedAt?: Date | string | null;
}

export interface CleanVerifiedUser {
  externalRef: string;
  firstName: string;
  lastName: string;
  /** As cleaned by `cleanEmail`; derive the blind-index key with `normaliseEmailForIndex`. */
  email: string;
  /** `YYYY-MM-DD`. */
  dateOfBirth: string;
  /** E.164; absent when the input had none. */
  phoneNumber?: string;
  /** Absent when the input had none: the caller decides the default (typically the ingestion time). */
  verifiedAt?: Date;
}

export interface CleanVerifiedUserOptions {
  /** The current instant, for the date-of-birth and verifiedAt checks. */
  today: Date;
  /** Region for phone numbers written without a country code. */
  defaultRegion: CountryCode;
  minAgeYears?: number;
  maxAgeYears?: number;
}

export type CleanVerifiedUserResult =
  | { ok: true; value: CleanVerifiedUser }
  | { ok: false; errors: FieldError[] };

/** Verification clocks and ours disagree by a little; more than this is a bad timestamp. */
export const VERIFIED_AT_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Cleans one ingested record, reporting every field's error rather than the first, so a backend can fix a
 * record in one round trip. Accepts anything: a non-object is a record with every field missing.
 */
export function cleanVerifiedUser(
  input: unknown,
  options: CleanVerifiedUserOptions,
): CleanVerifiedUserResult {
  // Checked up front so a misconfiguration fails on the first record, not the first one with a phone.
  assertSupportedRegion(options.defaultRegion);
  const record: Partial<Record<keyof VerifiedUserInput, unknown>> =
    typeof input === "object" && input !== null ? input : {};
  const errors: FieldError[] = [];
  const take = <T>(result: Result<T>): T | undefined => {
    if (result.ok) return result.value;
    errors.push(result.error);
    return undefined;
  };

  const externalRef = take(cleanExternalRef(record.externalRef));
  const firstName = take(cleanName("firstName", record.firstName));
  const lastName = take(cleanName("lastName", record.lastName));
  const email = take(cleanEmail(record.email));
  const dateOfBirth = take(
    cleanDateOfBirth(record.dateOfBirth, {
      today: options.today,
      minAgeYears: options.minAgeYears,
      maxAgeYears: options.maxAgeYears,
    }),
  );
  const phoneNumber = isAbsent(record.phoneNumber)
    ? undefined
    : take(cleanPhone(record.phoneNumber, options.defaultRegion));
  const verifiedAt = isAbsent(record.verifiedAt)
    ? undefined
    : take(cleanVerifiedAt(record.verifiedAt, options.today));

  if (
    errors.length > 0 ||
    externalRef === undefined ||
    firstName === undefined ||
    lastName === undefined ||
    email === undefined ||
    dateOfBirth === undefined
  ) {
    return { ok: false, errors };
  }
  const value: CleanVerifiedUser = { externalRef, firstName, lastName, email, dateOfBirth };
  if (phoneNumber !== undefined) value.phoneNumber = phoneNumber;
  if (verifiedAt !== undefined) value.verifiedAt = verifiedAt;
  return { ok: true, value };
}

/** Optional fields treat null, undefined and blank strings alike: backends send all three for "none". */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

/** RFC 3339 date-time with an explicit offset; without one the instant would depend on our time zone. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** A Date or an RFC 3339 string, not later than `now` plus the allowed clock skew. */
export function cleanVerifiedAt(raw: unknown, now: Date): Result<Date> {
  if (Number.isNaN(now.getTime())) throw new RangeError("now must be a valid Date");
  const field = "verifiedAt";
  let instant: Date | undefined;
  if (raw instanceof Date) instant = Number.isNaN(raw.getTime()) ? undefined : new Date(raw.getTime());
  else if (typeof raw === "string") instant = parseDateTime(raw.trim());
  else return fail(field, "INVALID_TYPE", "verifiedAt must be a date-time");

  if (instant === undefined) {
    return fail(field, "INVALID_DATE", "verifiedAt must be an RFC 3339 date-time with a time-zone offset");
  }
  if (instant.getTime() > now.getTime() + VERIFIED_AT_CLOCK_SKEW_MS) {
    return fail(field, "DATE_IN_FUTURE", "verifiedAt must not be in the future");
  }
  return ok(instant);
}

function parseDateTime(value: string): Date | undefined {
  const match = DATE_TIME.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction = "", zulu, sign, offsetHour, offsetMinute] =
    match;
  const date = { year: Number(year), month: Number(month), day: Number(day) };
  const time = { hour: Number(hour), minute: Number(minute), second: Number(second) };
  const offset = zulu ? 0 : (sign === "-" ? -1 : 1) * (Number(offsetHour) * 60 + Number(offsetMinute));
  if (!isCalendarDate(date) || time.hour > 23 || time.minute > 59 || time.second > 59) return undefined;
  if (!zulu && (Number(offsetHour) > 23 || Number(offsetMinute) > 59)) return undefined;

  const instant = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  instant.setUTCFullYear(date.year, date.month - 1, date.day);
  instant.setUTCHours(time.hour, time.minute, time.second, Number(fraction.padEnd(3, "0").slice(0, 3)));
  return new Date(instant.getTime() - offset * 60_000);
}
