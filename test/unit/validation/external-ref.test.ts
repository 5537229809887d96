import { describe, expect, it } from "vitest";
import { withField } from "../../../shared/validation/field-error.js";
import { cleanExternalRef } from "../../../subgraphs/identity/validation/external-ref.js";

describe("cleanExternalRef accepts", () => {
  it.each([
    ["user-123", "user-123"],
    ["  user-123  ", "user-123"],
    ["\tuser-123\n", "user-123"],
    ["a", "a"],
    ["0", "0"],
    ["ABC_def.ghi:jkl/mno@pqr-9", "ABC_def.ghi:jkl/mno@pqr-9"],
    ["urn:backend:user:42", "urn:backend:user:42"],
    ["auth0@tenant/users/123", "auth0@tenant/users/123"],
    ["550e8400-e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a716-446655440000"],
    ["CaseMatters", "CaseMatters"],
    ["x".repeat(128), "x".repeat(128)],
  ])("%j → %j", (raw, expected) => {
    expect(cleanExternalRef(raw)).toEqual({ ok: true, value: expected });
  });
});

describe("cleanExternalRef rejects", () => {
  it.each([
    [undefined, "REQUIRED"],
    [null, "REQUIRED"],
    ["", "REQUIRED"],
    ["   ", "REQUIRED"],
    [123, "INVALID_TYPE"],
    [{ id: "user-123" }, "INVALID_TYPE"],
    ["user 123", "INVALID_EXTERNAL_REF"],
    ["user\t123", "INVALID_EXTERNAL_REF"],
    ["user\u0000123", "INVALID_EXTERNAL_REF"],
    ["user\u200B123", "INVALID_EXTERNAL_REF"],
    ["ünïcödé", "INVALID_EXTERNAL_REF"],
    ["ｕｓｅｒ", "INVALID_EXTERNAL_REF"], // full-width letters look ASCII but are not
    ["a+b", "INVALID_EXTERNAL_REF"],
    ["a#b", "INVALID_EXTERNAL_REF"],
    ["a?b", "INVALID_EXTERNAL_REF"],
    ["a%20b", "INVALID_EXTERNAL_REF"],
    ["auth0|123", "INVALID_EXTERNAL_REF"],
    ["a,b", "INVALID_EXTERNAL_REF"],
    ["'; DROP TABLE users; --", "INVALID_EXTERNAL_REF"],
    ["<script>", "INVALID_EXTERNAL_REF"],
    ["x".repeat(129), "TOO_LONG"],
    ["é".repeat(129), "TOO_LONG"],
  ])("%j → %s", (raw, code) => {
    expect(cleanExternalRef(raw)).toMatchObject({ ok: false, error: { field: "externalRef", code } });
  });
});

it("can be reported under another field name, e.g. userExternalRef", () => {
  expect(withField(cleanExternalRef("a b"), "userExternalRef")).toMatchObject({
    ok: false,
    error: { field: "userExternalRef", code: "INVALID_EXTERNAL_REF" },
  });
});
