import { describe, expect, it } from "vitest";
import {
  andThen,
  type FieldErrorCode,
  FieldErrorCodes,
  fail,
  fieldErrorCodes,
  isFieldErrorCode,
  ok,
  type Result,
  withField,
} from "../../../shared/validation/field-error.js";

const REQUIRED_CODES: FieldErrorCode[] = [
  "REQUIRED",
  "INVALID_TYPE",
  "TOO_LONG",
  "NOT_PRINTABLE",
  "INVALID_NAME",
  "INVALID_EMAIL",
  "INVALID_DATE",
  "DATE_IN_FUTURE",
  "IMPLAUSIBLE_AGE",
  "INVALID_PHONE",
  "INVALID_EXTERNAL_REF",
  "DUPLICATE_IN_BATCH",
  "USER_ERASED",
];

describe("FieldErrorCodes catalogue", () => {
  it.each(REQUIRED_CODES)("lists %s", (code) => {
    expect(Object.keys(FieldErrorCodes)).toContain(code);
  });

  it("describes every code in one non-empty line", () => {
    for (const description of Object.values(FieldErrorCodes)) {
      expect(description.trim().length).toBeGreaterThan(10);
      expect(description).not.toMatch(/\n/);
    }
  });

  it("is frozen", () => {
    expect(Object.isFrozen(FieldErrorCodes)).toBe(true);
    expect(Object.isFrozen(fieldErrorCodes)).toBe(true);
  });

  it("fieldErrorCodes lists exactly the catalogue keys", () => {
    expect([...fieldErrorCodes].sort()).toEqual(Object.keys(FieldErrorCodes).sort());
  });

  it("codes are SCREAMING_SNAKE_CASE, as clients match on them", () => {
    for (const code of fieldErrorCodes) expect(code).toMatch(/^[A-Z]+(?:_[A-Z]+)*$/);
  });
});

describe("isFieldErrorCode", () => {
  it.each([
    ["REQUIRED", true],
    ["USER_ERASED", true],
    ["required", false],
    ["toString", false],
    ["__proto__", false],
    ["", false],
    [42, false],
    [null, false],
  ] as const)("%j → %s", (value, expected) => {
    expect(isFieldErrorCode(value)).toBe(expected);
  });
});

describe("Result helpers", () => {
  it("ok wraps a value", () => {
    expect(ok(3)).toEqual({ ok: true, value: 3 });
  });

  it("fail builds a FieldError", () => {
    expect(fail("email", "INVALID_EMAIL", "email is bad")).toEqual({
      ok: false,
      error: { field: "email", code: "INVALID_EMAIL", message: "email is bad" },
    });
  });

  it("andThen runs the next step only after success", () => {
    const double = (n: number): Result<number> => ok(n * 2);
    expect(andThen(ok(2), double)).toEqual(ok(4));
    const failed = fail<number>("x", "REQUIRED", "x is required");
    expect(andThen(failed, double)).toBe(failed);
  });

  it("withField relabels errors and leaves successes alone", () => {
    expect(withField(fail("externalRef", "REQUIRED", "m"), "userExternalRef")).toEqual(
      fail("userExternalRef", "REQUIRED", "m"),
    );
    expect(withField(ok("a"), "other")).toEqual(ok("a"));
  });
});
