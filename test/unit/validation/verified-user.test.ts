import { describe, expect, it } from "vitest";
import {
  type CleanVerifiedUserOptions,
  cleanVerifiedAt,
  cleanVerifiedUser,
} from "../../../subgraphs/identity/validation/verified-user.js";

const today = new Date("2024-06-15T12:00:00Z");
const options: CleanVerifiedUserOptions = { today, defaultRegion: "GB" };

const valid = {
  externalRef: "user-1",
  firstName: "siobhán",
  lastName: "O’BRIEN-SMITH",
  email: "Siobhan.OBrien@Example.IE",
  dateOfBirth: "19900514",
  phoneNumber: "020 7946 0958",
  verifiedAt: "2024-06-15T11:30:00+01:00",
};

describe("cleanVerifiedUser", () => {
  it("cleans every field of a valid record", () => {
    expect(cleanVerifiedUser(valid, options)).toEqual({
      ok: true,
      value: {
        externalRef: "user-1",
        firstName: "Siobhán",
        lastName: "O'Brien-Smith",
        email: "Siobhan.OBrien@example.ie",
        dateOfBirth: "1990-05-14",
        phoneNumber: "+442079460958",
        verifiedAt: new Date("2024-06-15T10:30:00Z"),
      },
    });
  });

  it.each([undefined, null, "", "   "])("treats phoneNumber %j as absent", (phoneNumber) => {
    const result = cleanVerifiedUser({ ...valid, phoneNumber }, options);
    expect(result.ok).toBe(true);
    if (result.ok) expect("phoneNumber" in result.value).toBe(false);
  });

  it.each([undefined, null, ""])("treats verifiedAt %j as absent", (verifiedAt) => {
    const result = cleanVerifiedUser({ ...valid, verifiedAt }, options);
    expect(result.ok).toBe(true);
    if (result.ok) expect("verifiedAt" in result.value).toBe(false);
  });

  it("collects the errors of every field, in input field order", () => {
    const result = cleanVerifiedUser(
      {
        externalRef: "user 1",
        firstName: "J0sé",
        lastName: "",
        email: "not-an-email",
        dateOfBirth: "01/02/2000",
        phoneNumber: "12345",
        verifiedAt: "2030-01-01T00:00:00Z",
      },
      options,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map(({ field, code }) => [field, code])).toEqual([
        ["externalRef", "INVALID_EXTERNAL_REF"],
        ["firstName", "INVALID_NAME"],
        ["lastName", "REQUIRED"],
        ["email", "INVALID_EMAIL"],
        ["dateOfBirth", "INVALID_DATE"],
        ["phoneNumber", "INVALID_PHONE"],
        ["verifiedAt", "DATE_IN_FUTURE"],
      ]);
    }
  });

  it("reports one error when only one field is wrong", () => {
    expect(cleanVerifiedUser({ ...valid, email: "a@b" }, options)).toEqual({
      ok: false,
      errors: [
        {
          field: "email",
          code: "INVALID_EMAIL",
          message: "email must be a valid address of the form local-part@domain",
        },
      ],
    });
  });

  it.each([
    ["an empty object", {}],
    ["null", null],
    ["undefined", undefined],
    ["a string", "user-1"],
    ["a number", 42],
    ["an array", [valid]],
  ])("reports every required field as REQUIRED for %s", (_name, input) => {
    const result = cleanVerifiedUser(input, options);
    expect(result).toEqual({
      ok: false,
      errors: ["externalRef", "firstName", "lastName", "email", "dateOfBirth"].map((field) =>
        expect.objectContaining({ field, code: "REQUIRED" }),
      ),
    });
  });

  it("reports wrong types as INVALID_TYPE", () => {
    const result = cleanVerifiedUser(
      { externalRef: 1, firstName: true, lastName: {}, email: [], dateOfBirth: 19900514, phoneNumber: 7 },
      options,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((error) => error.code)).toEqual(Array(6).fill("INVALID_TYPE"));
    }
  });

  it("ignores fields it does not know", () => {
    expect(cleanVerifiedUser({ ...valid, ssn: "000-00-0000", __proto__: { x: 1 } }, options).ok).toBe(true);
  });

  it("applies the age bounds from the options", () => {
    const minor = { ...valid, dateOfBirth: "2010-01-01" };
    expect(cleanVerifiedUser(minor, options).ok).toBe(true);
    expect(cleanVerifiedUser(minor, { ...options, minAgeYears: 18 })).toMatchObject({
      ok: false,
      errors: [{ field: "dateOfBirth", code: "IMPLAUSIBLE_AGE" }],
    });
    const old = { ...valid, dateOfBirth: "1900-01-01" };
    expect(cleanVerifiedUser(old, options).ok).toBe(true);
    expect(cleanVerifiedUser(old, { ...options, maxAgeYears: 110 })).toMatchObject({
      ok: false,
      errors: [{ field: "dateOfBirth", code: "IMPLAUSIBLE_AGE" }],
    });
  });

  it("reads national phone numbers in the default region", () => {
    const result = cleanVerifiedUser(
      { ...valid, phoneNumber: "(201) 555-0123" },
      { ...options, defaultRegion: "US" },
    );
    expect(result).toMatchObject({ ok: true, value: { phoneNumber: "+12015550123" } });
  });

  it.each([
    [
      "an unsupported region",
      { ...options, defaultRegion: "ZZ" as CleanVerifiedUserOptions["defaultRegion"] },
    ],
    ["an invalid today", { ...options, today: new Date(Number.NaN) }],
    ["inverted age bounds", { ...options, minAgeYears: 40, maxAgeYears: 30 }],
  ])("throws RangeError for %s, even when the record has no phone", (_name, badOptions) => {
    expect(() => cleanVerifiedUser({ ...valid, phoneNumber: null }, badOptions)).toThrow(RangeError);
  });

  it("does not modify its input or share its Date", () => {
    const verifiedAt = new Date("2024-06-01T00:00:00Z");
    const input = { ...valid, verifiedAt };
    const snapshot = structuredClone(input);
    const result = cleanVerifiedUser(input, options);
    expect(input).toEqual(snapshot);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.verifiedAt).toEqual(verifiedAt);
      expect(result.value.verifiedAt).not.toBe(verifiedAt);
    }
  });
});

describe("cleanVerifiedAt", () => {
  it.each([
    ["2024-06-15T12:00:00Z", "2024-06-15T12:00:00.000Z"],
    ["2024-06-15T12:00:00.123Z", "2024-06-15T12:00:00.123Z"],
    ["2024-06-15T12:00:00.123456789Z", "2024-06-15T12:00:00.123Z"],
    ["2024-06-15T12:00:00.1Z", "2024-06-15T12:00:00.100Z"],
    ["2024-06-15t12:00:00z", "2024-06-15T12:00:00.000Z"],
    ["2024-06-15 12:00:00Z", "2024-06-15T12:00:00.000Z"],
    ["2024-06-15T14:00:00+02:00", "2024-06-15T12:00:00.000Z"],
    ["2024-06-15T07:00:00-05:00", "2024-06-15T12:00:00.000Z"],
    ["2024-06-15T12:00:00+00:00", "2024-06-15T12:00:00.000Z"],
    ["2024-06-16T01:30:00+13:30", "2024-06-15T12:00:00.000Z"],
    ["  2024-06-15T12:00:00Z  ", "2024-06-15T12:00:00.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["0050-01-01T00:00:00Z", "0050-01-01T00:00:00.000Z"], // not read as 1950
    // the allowed clock skew is five minutes
    ["2024-06-15T12:05:00Z", "2024-06-15T12:05:00.000Z"],
    ["2024-06-15T12:04:59.999Z", "2024-06-15T12:04:59.999Z"],
  ])("%j → %s", (raw, iso) => {
    const result = cleanVerifiedAt(raw, today);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.toISOString()).toBe(iso);
  });

  it.each([
    ["a Date in the past", new Date("2020-01-01T00:00:00Z"), true],
    ["a Date 4 minutes ahead", new Date(today.getTime() + 4 * 60_000), true],
    ["a Date 6 minutes ahead", new Date(today.getTime() + 6 * 60_000), false],
  ])("accepts %s: %s", (_name, raw, accepted) => {
    expect(cleanVerifiedAt(raw, today).ok).toBe(accepted);
  });

  it.each([
    ["2024-06-15T12:05:00.001Z", "DATE_IN_FUTURE"],
    ["2024-06-15T12:06:00Z", "DATE_IN_FUTURE"],
    ["2030-01-01T00:00:00Z", "DATE_IN_FUTURE"],
    ["2024-06-15T12:00:00-01:00", "DATE_IN_FUTURE"], // 13:00 UTC
    ["2024-06-15", "INVALID_DATE"],
    ["2024-06-15T12:00:00", "INVALID_DATE"], // no offset: the instant is unknown
    ["2024-06-15T12:00Z", "INVALID_DATE"],
    ["2024-02-30T12:00:00Z", "INVALID_DATE"],
    ["2024-06-15T24:00:00Z", "INVALID_DATE"],
    ["2024-06-15T12:60:00Z", "INVALID_DATE"],
    ["2024-06-15T12:00:60Z", "INVALID_DATE"],
    ["2024-06-15T12:00:00+24:00", "INVALID_DATE"],
    ["2024-06-15T12:00:00+01:60", "INVALID_DATE"],
    ["2024-06-15T12:00:00+0100", "INVALID_DATE"],
    ["Sat, 15 Jun 2024 12:00:00 GMT", "INVALID_DATE"],
    ["1718452800000", "INVALID_DATE"],
    ["yesterday", "INVALID_DATE"],
    [new Date("nope"), "INVALID_DATE"],
    [1718452800000, "INVALID_TYPE"],
    [true, "INVALID_TYPE"],
    [{}, "INVALID_TYPE"],
  ])("%j → %s", (raw, code) => {
    expect(cleanVerifiedAt(raw, today)).toMatchObject({ ok: false, error: { field: "verifiedAt", code } });
  });
});
