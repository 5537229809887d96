import { fail, ok, type Result } from "../../../shared/validation/field-error.js";
import { cleanText } from "../../../shared/validation/strings.js";

const FIELD = "dateOfBirth";

export interface DateOfBirthOptions {
  /** The current instant; its UTC calendar date is "today". Injected so the function stays pure. */
  today: Date;
  minAgeYears?: number;
  maxAgeYears?: number;
}

/**
 * Accepted forms, all year-month-day with a four-digit year (so never ambiguous like 01/02/2000):
 * - ISO 8601 extended `YYYY-MM-DD` and basic `YYYYMMDD`;
 * - an ISO 8601 date-time whose time is exactly midnight, with or without an offset, as produced by
 *   serialising a date-only value through a date-time type. Its date part is the date. Any other time is
 *   rejected: a birth date that went through a time-zone conversion may sit on the wrong day.
 */
const EXTENDED = /^(\d{4})-(\d{2})-(\d{2})$/;
const BASIC = /^(\d{4})(\d{2})(\d{2})$/;
const MIDNIGHT_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt]00:00(?::00(?:\.0{1,9})?)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$/;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** Cleans a date of birth to `YYYY-MM-DD`: a real date, not after today, giving an age within bounds. */
export function cleanDateOfBirth(raw: unknown, options: DateOfBirthOptions): Result<string> {
  const { minAgeYears = 0, maxAgeYears = 130 } = options;
  const today = utcCalendarDate(options.today);
  if (!Number.isInteger(minAgeYears) || !Number.isInteger(maxAgeYears) || minAgeYears < 0) {
    throw new RangeError("age bounds must be non-negative integers");
  }
  if (minAgeYears > maxAgeYears) throw new RangeError("minAgeYears must not exceed maxAgeYears");

  const text = cleanText(FIELD, raw, { maxCodePoints: 64 });
  if (!text.ok) return text;
  const date = parseDate(text.value);
  if (date === undefined) {
    return fail(FIELD, "INVALID_DATE", "dateOfBirth must be a real date written as YYYY-MM-DD");
  }
  if (compareDates(date, today) > 0) {
    return fail(FIELD, "DATE_IN_FUTURE", "dateOfBirth must not be in the future");
  }
  const age = ageInYears(date, today);
  if (age < minAgeYears || age > maxAgeYears) {
    return fail(
      FIELD,
      "IMPLAUSIBLE_AGE",
      `dateOfBirth must give an age between ${minAgeYears} and ${maxAgeYears} years`,
    );
  }
  return ok(formatDate(date));
}

function parseDate(value: string): CalendarDate | undefined {
  const match = EXTENDED.exec(value) ?? BASIC.exec(value) ?? MIDNIGHT_DATE_TIME.exec(value);
  if (match === null) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  return isCalendarDate(date) ? date : undefined;
}

/** Year 1–9999 (no year zero in a written date), month 1–12, day within that month. */
export function isCalendarDate({ year, month, day }: CalendarDate): boolean {
  return (
    year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
  );
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function utcCalendarDate(instant: Date): CalendarDate {
  if (Number.isNaN(instant.getTime())) throw new RangeError("today must be a valid Date");
  return { year: instant.getUTCFullYear(), month: instant.getUTCMonth() + 1, day: instant.getUTCDate() };
}

function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/**
 * Completed years. Someone born on 29 February turns a year older on 1 March in common years, because
 * (2, 28) still sorts before (2, 29).
 */
export function ageInYears(birth: CalendarDate, today: CalendarDate): number {
  const hadBirthday = today.month > birth.month || (today.month === birth.month && today.day >= birth.day);
  return today.year - birth.year - (hadBirthday ? 0 : 1);
}

export function formatDate({ year, month, day }: CalendarDate): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}
