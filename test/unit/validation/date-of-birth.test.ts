import { describe, expect, it } from "vitest";
import {
  ageInYears,
  cleanDateOfBirth,
  daysInMonth,
  isCalendarDate,
} from "../../../subgraphs/identity/validation/date-of-birth.js";

const today = new Date("2024-06-15T12:00:00Z");

describe("cleanDateOfBirth accepts and normalises", () => {
  it.each([
    ["2000-01-02", "2000-01-02"],
    [" 2000-01-02 ", "2000-01-02"],
    ["20000102", "2000-01-02"],
    // midnight date-times: the date part is the date
    ["2000-01-02T00:00:00Z", "2000-01-02"],
    ["2000-01-02T00:00:00.000Z", "2000-01-02"],
    ["2000-01-02T00:00:00.000000000Z", "2000-01-02"],
    ["2000-01-02T00:00Z", "2000-01-02"],
    ["2000-01-02T00:00", "2000-01-02"],
    ["2000-01-02T00:00:00", "2000-01-02"],
    ["2000-01-02t00:00:00z", "2000-01-02"],
    ["2000-01-02T00:00:00+02:00", "2000-01-02"],
    ["2000-01-02T00:00:00-05:00", "2000-01-02"],
    ["2000-01-02T00:00:00+00:00", "2000-01-02"],
    // calendar edges
    ["2000-02-29", "2000-02-29"], // divisible by 400: leap
    ["1996-02-29", "1996-02-29"],
    ["1999-12-31", "1999-12-31"],
    ["2001-04-30", "2001-04-30"],
    // today and the age bounds (today is 2024-06-15)
    ["2024-06-15", "2024-06-15"], // born today: age 0
    ["1894-06-15", "1894-06-15"], // exactly 130 today
    ["1893-06-16", "1893-06-16"], // 130, turning 131 tomorrow
  ])("%j → %j", (raw, expected) => {
    expect(cleanDateOfBirth(raw, { today })).toEqual({ ok: true, value: expected });
  });
});

describe("cleanDateOfBirth rejects", () => {
  it.each([
    [undefined, "REQUIRED"],
    [null, "REQUIRED"],
    ["", "REQUIRED"],
    ["  ", "REQUIRED"],
    [20000102, "INVALID_TYPE"],
    [new Date("2000-01-02T00:00:00Z"), "INVALID_TYPE"],
    // not real dates
    ["2023-02-30", "INVALID_DATE"],
    ["2023-02-29", "INVALID_DATE"],
    ["1900-02-29", "INVALID_DATE"], // divisible by 100, not by 400: common year
    ["2023-04-31", "INVALID_DATE"],
    ["2023-13-01", "INVALID_DATE"],
    ["2023-00-10", "INVALID_DATE"],
    ["2023-01-00", "INVALID_DATE"],
    ["2023-01-32", "INVALID_DATE"],
    ["0000-01-01", "INVALID_DATE"],
    ["20230230", "INVALID_DATE"],
    // ambiguous or unsupported forms
    ["01/02/2000", "INVALID_DATE"],
    ["02/01/2000", "INVALID_DATE"],
    ["1/2/2000", "INVALID_DATE"],
    ["2000/01/02", "INVALID_DATE"],
    ["02.01.2000", "INVALID_DATE"],
    ["02-01-2000", "INVALID_DATE"],
    ["2000-1-2", "INVALID_DATE"],
    ["00-01-02", "INVALID_DATE"],
    ["000102", "INVALID_DATE"],
    ["2 January 2000", "INVALID_DATE"],
    ["Jan 2, 2000", "INVALID_DATE"],
    ["+002000-01-02", "INVALID_DATE"],
    ["2000-W01-1", "INVALID_DATE"],
    ["2000-002", "INVALID_DATE"],
    ["2000-01", "INVALID_DATE"],
    ["2000", "INVALID_DATE"],
    ["2000-01-02Z", "INVALID_DATE"],
    ["2000-01-02 00:00:00", "INVALID_DATE"],
    ["２０００-０１-０２", "INVALID_DATE"], // full-width digits
    ["٢٠٠٠-٠١-٠٢", "INVALID_DATE"], // Arabic-Indic digits
    ["946771200000", "INVALID_DATE"], // epoch milliseconds
    // date-times that are not midnight could be on the wrong day
    ["2000-01-02T12:00:00Z", "INVALID_DATE"],
    ["2000-01-02T00:00:01Z", "INVALID_DATE"],
    ["2000-01-02T00:00:00.001Z", "INVALID_DATE"],
    ["2000-01-01T23:00:00.000Z", "INVALID_DATE"],
    ["2000-01-02T00:00:00+24:00", "INVALID_DATE"],
    ["2000-01-02T00:00:00+02:60", "INVALID_DATE"],
    ["2000-01-02T00:00:00+0200", "INVALID_DATE"],
    ["2000-02-30T00:00:00Z", "INVALID_DATE"],
    // future
    ["2024-06-16", "DATE_IN_FUTURE"],
    ["2030-01-01", "DATE_IN_FUTURE"],
    ["9999-12-31", "DATE_IN_FUTURE"],
    ["2024-06-16T00:00:00Z", "DATE_IN_FUTURE"],
    // too old
    ["1893-06-15", "IMPLAUSIBLE_AGE"], // 131 today
    ["1800-01-01", "IMPLAUSIBLE_AGE"],
    ["0001-01-01", "IMPLAUSIBLE_AGE"],
    // control characters
    ["2000-01-02\u0000", "NOT_PRINTABLE"],
    ["2000\u200B-01-02", "NOT_PRINTABLE"],
    ["2000-01-02".repeat(10), "TOO_LONG"],
  ])("%j → %s", (raw, code) => {
    expect(cleanDateOfBirth(raw, { today })).toMatchObject({
      ok: false,
      error: { field: "dateOfBirth", code },
    });
  });
});

describe("cleanDateOfBirth age bounds", () => {
  it.each([
    // [dateOfBirth, minAgeYears, maxAgeYears, accepted]
    ["2006-06-15", 18, 130, true], // 18th birthday today
    ["2006-06-16", 18, 130, false], // 18 tomorrow
    ["1904-06-15", 0, 120, true], // 120 today
    ["1904-06-14", 0, 120, true], // 120 since yesterday
    ["1903-06-15", 0, 120, false], // 121
    ["2000-01-01", 24, 24, true],
    ["2000-01-01", 25, 25, false],
    ["2024-06-15", 0, 0, true],
    ["2023-06-15", 0, 0, false], // 1 year old
  ] as const)("%s with min %i max %i → %s", (raw, minAgeYears, maxAgeYears, accepted) => {
    const result = cleanDateOfBirth(raw, { today, minAgeYears, maxAgeYears });
    if (accepted) expect(result).toEqual({ ok: true, value: raw });
    else expect(result).toMatchObject({ ok: false, error: { code: "IMPLAUSIBLE_AGE" } });
  });

  it("says the bounds, not the date, in the message", () => {
    const result = cleanDateOfBirth("2010-03-04", { today, minAgeYears: 18 });
    expect(result).toMatchObject({
      ok: false,
      error: { message: "dateOfBirth must give an age between 18 and 130 years" },
    });
  });
});

describe("cleanDateOfBirth uses the UTC calendar date of `today`", () => {
  it.each([
    ["2024-06-15T00:00:00Z", "2024-06-15", true],
    ["2024-06-15T23:59:59.999Z", "2024-06-15", true],
    ["2024-06-15T23:59:59.999Z", "2024-06-16", false],
    ["2024-06-16T01:00:00+02:00", "2024-06-16", false], // still 15 June in UTC
    ["2024-06-15T22:00:00-05:00", "2024-06-16", true], // already 16 June in UTC
  ])("today %s, born %s → accepted %s", (now, raw, accepted) => {
    const result = cleanDateOfBirth(raw, { today: new Date(now) });
    if (accepted) expect(result).toEqual({ ok: true, value: raw });
    else expect(result).toMatchObject({ ok: false, error: { code: "DATE_IN_FUTURE" } });
  });
});

describe("leap-day birthdays", () => {
  it.each([
    // a 29 February birthday is reached on 1 March in common years
    ["2023-02-28", 22],
    ["2023-03-01", 23],
    ["2024-02-28", 23],
    ["2024-02-29", 24],
    ["2025-02-28", 24],
    ["2025-03-01", 25],
  ])("born 2000-02-29, on %s the age is %i", (on, age) => {
    const [year, month, day] = on.split("-").map(Number) as [number, number, number];
    expect(ageInYears({ year: 2000, month: 2, day: 29 }, { year, month, day })).toBe(age);
    const today = new Date(`${on}T12:00:00Z`);
    expect(cleanDateOfBirth("2000-02-29", { today, minAgeYears: age }).ok).toBe(true);
    expect(cleanDateOfBirth("2000-02-29", { today, minAgeYears: age + 1 }).ok).toBe(false);
  });
});

describe("calendar helpers", () => {
  it.each([
    [2023, 1, 31],
    [2023, 2, 28],
    [2024, 2, 29],
    [1900, 2, 28],
    [2000, 2, 29],
    [2023, 4, 30],
    [2023, 6, 30],
    [2023, 9, 30],
    [2023, 11, 30],
    [2023, 12, 31],
  ])("%i-%i has %i days", (year, month, days) => {
    expect(daysInMonth(year, month)).toBe(days);
  });

  it.each([
    [{ year: 2024, month: 2, day: 29 }, true],
    [{ year: 2023, month: 2, day: 29 }, false],
    [{ year: 0, month: 1, day: 1 }, false],
    [{ year: 10000, month: 1, day: 1 }, false],
    [{ year: 9999, month: 12, day: 31 }, true],
  ])("isCalendarDate(%j) → %s", (date, expected) => {
    expect(isCalendarDate(date)).toBe(expected);
  });
});

describe("cleanDateOfBirth options are programmer input and fail loudly", () => {
  it.each([
    ["an invalid today", { today: new Date("nope") }],
    ["minAge above maxAge", { today, minAgeYears: 30, maxAgeYears: 20 }],
    ["negative minAge", { today, minAgeYears: -1 }],
    ["fractional maxAge", { today, maxAgeYears: 12.5 }],
    ["NaN maxAge", { today, maxAgeYears: Number.NaN }],
  ])("%s throws RangeError", (_name, options) => {
    expect(() => cleanDateOfBirth("2000-01-02", options)).toThrow(RangeError);
  });
});
