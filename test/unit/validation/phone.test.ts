import { describe, expect, it } from "vitest";
import { type CountryCode, cleanPhone } from "../../../subgraphs/identity/validation/phone.js";

describe("cleanPhone accepts and formats as E.164", () => {
  it.each<[string, CountryCode, string]>([
    // United Kingdom (Ofcom drama range, a valid London number)
    ["+44 20 7946 0958", "GB", "+442079460958"],
    ["020 7946 0958", "GB", "+442079460958"],
    ["0044 20 7946 0958", "GB", "+442079460958"],
    ["+44 (0)20 7946 0958", "GB", "+442079460958"],
    ["  +442079460958  ", "GB", "+442079460958"],
    ["+442079460958", "US", "+442079460958"], // international format ignores the default region
    // United States
    ["+1 201-555-0123", "US", "+12015550123"],
    ["(201) 555-0123", "US", "+12015550123"],
    ["201.555.0123", "US", "+12015550123"],
    ["2015550123", "US", "+12015550123"],
    ["1 201 555 0123", "US", "+12015550123"],
    ["+1 201 555 0123", "GB", "+12015550123"],
    // elsewhere
    ["+33 1 23 45 67 89", "FR", "+33123456789"],
    ["01 23 45 67 89", "FR", "+33123456789"],
    ["+33 6 12 34 56 78", "FR", "+33612345678"],
    ["+49 30 123456", "DE", "+4930123456"],
    ["+81 3-1234-5678", "JP", "+81312345678"],
    ["+61 2 9876 5432", "AU", "+61298765432"],
    ["+91 98765 43210", "IN", "+919876543210"],
  ])("%j in %s → %s", (raw, region, expected) => {
    expect(cleanPhone(raw, region)).toEqual({ ok: true, value: expected });
  });
});

describe("cleanPhone rejects", () => {
  it.each<[unknown, CountryCode, string]>([
    [undefined, "GB", "REQUIRED"],
    [null, "GB", "REQUIRED"],
    ["", "GB", "REQUIRED"],
    ["   ", "GB", "REQUIRED"],
    [442079460958, "GB", "INVALID_TYPE"],
    [{ number: "+442079460958" }, "GB", "INVALID_TYPE"],
    // not numbers, or not valid ones
    ["12345", "US", "INVALID_PHONE"],
    ["+1 555 555 5555", "US", "INVALID_PHONE"], // 555 is not an assigned area code
    ["+1 201 555 012", "US", "INVALID_PHONE"], // too short
    ["+44 20 7946 095", "GB", "INVALID_PHONE"],
    ["+44 20 7946 0958 1234", "GB", "INVALID_PHONE"],
    ["+999 123456789", "GB", "INVALID_PHONE"], // no such country calling code
    ["+", "GB", "INVALID_PHONE"],
    ["abc", "GB", "INVALID_PHONE"],
    ["1-800-FLOWERS", "US", "INVALID_PHONE"], // vanity letters are not accepted
    ["00000000000", "GB", "INVALID_PHONE"],
    // extensions cannot be represented in E.164
    ["+44 20 7946 0958 ext. 123", "GB", "INVALID_PHONE"],
    ["+44 20 7946 0958;ext=123", "GB", "INVALID_PHONE"],
    ["+1 201-555-0123 x42", "US", "INVALID_PHONE"],
    // the whole input must be the number
    ["call +44 20 7946 0958", "GB", "INVALID_PHONE"],
    ["+44 20 7946 0958 (home)", "GB", "INVALID_PHONE"],
    ["tel:+442079460958", "GB", "INVALID_PHONE"],
    ["+442079460958, +442079460959", "GB", "INVALID_PHONE"],
    // invisible characters and size
    ["+44 20 7946\u0000 0958", "GB", "NOT_PRINTABLE"],
    ["+44\u202E20 7946 0958", "GB", "NOT_PRINTABLE"],
    ["9".repeat(65), "GB", "TOO_LONG"],
  ])("%j in %s → %s", (raw, region, code) => {
    expect(cleanPhone(raw, region)).toMatchObject({ ok: false, error: { field: "phoneNumber", code } });
  });
});

describe("cleanPhone default region", () => {
  it("reads national numbers in the default region", () => {
    // the same digits are different numbers in different regions
    expect(cleanPhone("01 23 45 67 89", "FR")).toEqual({ ok: true, value: "+33123456789" });
    expect(cleanPhone("01 23 45 67 89", "US").ok).toBe(false);
  });

  it("throws on an unsupported region: that is configuration, not data", () => {
    expect(() => cleanPhone("+442079460958", "ZZ" as CountryCode)).toThrow(RangeError);
  });
});
