import { describe, expect, it } from "vitest";
import { cleanEmail, normaliseEmailForIndex } from "../../../subgraphs/identity/validation/email.js";

const local64 = "l".repeat(64);
// 63 + 1 + 63 + 1 + 57 + 1 + 3 = 189 octets; with a 64-octet local part and "@" the address is 254.
const domain189 = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(57)}.com`;
const domain190 = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(58)}.com`;

describe("cleanEmail accepts and cleans", () => {
  it.each([
    ["alice@example.com", "alice@example.com"],
    ["  alice@example.com  ", "alice@example.com"],
    ["Alice.Smith@Example.COM", "Alice.Smith@example.com"],
    ["USER@EXAMPLE.COM", "USER@example.com"],
    ["alice+tag@sub.example.co.uk", "alice+tag@sub.example.co.uk"],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ["first.last@ex-ample.com", "first.last@ex-ample.com"],
    ["a!#$%&'*+/=?^_`{|}~-@example.com", "a!#$%&'*+/=?^_`{|}~-@example.com"],
    ["x@a.b", "x@a.b"],
    ["user@123.example", "user@123.example"], // only the top-level label must not be all digits
    ["user@example.c0m", "user@example.c0m"],
    ["user@ab--cd.com", "user@ab--cd.com"],
    // internationalised domains become A-labels
    ["user@münchen.de", "user@xn--mnchen-3ya.de"],
    ["user@MÜNCHEN.DE", "user@xn--mnchen-3ya.de"],
    ["user@xn--mnchen-3ya.de", "user@xn--mnchen-3ya.de"],
    ["user@例子.广告", "user@xn--fsqu00a.xn--4rr70v"],
    ["user@faß.de", "user@xn--fa-hia.de"], // IDNA 2008: ß is kept, not mapped to ss
    ["user@ｅｘａｍｐｌｅ.com", "user@example.com"], // full-width letters map to ASCII
    // internationalised local parts are kept, NFC-composed
    ["用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"],
    ["jose\u0301@example.com", "jos\u00E9@example.com"],
    ["Ärger@example.com", "Ärger@example.com"],
    // limits
    [`${local64}@example.com`, `${local64}@example.com`],
    [`${local64}@${domain189}`, `${local64}@${domain189}`],
    [`user@${"d".repeat(63)}.com`, `user@${"d".repeat(63)}.com`],
  ])("%j → %j", (raw, expected) => {
    expect(cleanEmail(raw)).toEqual({ ok: true, value: expected });
  });
});

describe("cleanEmail rejects", () => {
  it.each([
    [undefined, "REQUIRED"],
    [null, "REQUIRED"],
    ["", "REQUIRED"],
    ["   ", "REQUIRED"],
    [5, "INVALID_TYPE"],
    [["alice@example.com"], "INVALID_TYPE"],
    // shape
    ["alice", "INVALID_EMAIL"],
    ["alice@", "INVALID_EMAIL"],
    ["@example.com", "INVALID_EMAIL"],
    ["alice@@example.com", "INVALID_EMAIL"],
    ["alice@bob@example.com", "INVALID_EMAIL"],
    ["<alice@example.com>", "INVALID_EMAIL"],
    ["Alice <alice@example.com>", "INVALID_EMAIL"],
    ["mailto:alice@example.com", "INVALID_EMAIL"],
    // local part
    ['"alice"@example.com', "INVALID_EMAIL"],
    ['"alice smith"@example.com', "INVALID_EMAIL"],
    ["alice smith@example.com", "INVALID_EMAIL"],
    [".alice@example.com", "INVALID_EMAIL"],
    ["alice.@example.com", "INVALID_EMAIL"],
    ["al..ice@example.com", "INVALID_EMAIL"],
    ["alice(comment)@example.com", "INVALID_EMAIL"],
    ["alice,bob@example.com", "INVALID_EMAIL"],
    ["alice\\bob@example.com", "INVALID_EMAIL"],
    ["alice😀@example.com", "INVALID_EMAIL"],
    [`${local64}l@example.com`, "INVALID_EMAIL"],
    [`${"é".repeat(33)}@example.com`, "INVALID_EMAIL"], // 33 code points but 66 octets
    // domain
    ["alice@example", "INVALID_EMAIL"],
    ["alice@localhost", "INVALID_EMAIL"],
    ["alice@example.123", "INVALID_EMAIL"],
    ["alice@1.2.3.4", "INVALID_EMAIL"],
    ["alice@0x7f.1", "INVALID_EMAIL"],
    ["alice@[127.0.0.1]", "INVALID_EMAIL"],
    ["alice@[IPv6:::1]", "INVALID_EMAIL"],
    ["alice@-example.com", "INVALID_EMAIL"],
    ["alice@example-.com", "INVALID_EMAIL"],
    ["alice@exa_mple.com", "INVALID_EMAIL"],
    ["alice@example..com", "INVALID_EMAIL"],
    ["alice@.example.com", "INVALID_EMAIL"],
    ["alice@example.com.", "INVALID_EMAIL"],
    ["alice@exa mple.com", "INVALID_EMAIL"],
    ["alice@ex%41mple.com", "INVALID_EMAIL"],
    ["alice@example.com:25", "INVALID_EMAIL"],
    ["alice@example.com/path", "INVALID_EMAIL"],
    ["alice@example\u3002com", "INVALID_EMAIL"], // ideographic full stop
    ["alice@xn--zz.com", "INVALID_EMAIL"], // not valid Punycode
    [`alice@${"d".repeat(64)}.com`, "INVALID_EMAIL"],
    // invisible characters
    ["alice@example.com\u0000", "NOT_PRINTABLE"],
    ["ali\u200Bce@example.com", "NOT_PRINTABLE"],
    ["alice@exa\u00ADmple.com", "NOT_PRINTABLE"],
    ["alice@\u202Eexample.com", "NOT_PRINTABLE"],
    ["alice\n@example.com", "NOT_PRINTABLE"],
    // length
    [`${local64}@${domain190}`, "TOO_LONG"],
    [`${"a".repeat(5000)}@example.com`, "TOO_LONG"],
  ])("%j → %s", (raw, code) => {
    expect(cleanEmail(raw)).toMatchObject({ ok: false, error: { field: "email", code } });
  });
});

describe("normaliseEmailForIndex", () => {
  it.each([
    ["alice@example.com", "alice@example.com"],
    ["Alice.Smith@example.com", "alice.smith@example.com"],
    ["USER@example.com", "user@example.com"],
    ["Ärger@example.com", "ärger@example.com"],
    ["用户@xn--fsqu00a.xn--4rr70v", "用户@xn--fsqu00a.xn--4rr70v"],
  ])("%j → %j", (cleaned, expected) => {
    expect(normaliseEmailForIndex(cleaned)).toBe(expected);
  });

  it("gives case variants of one address the same key", () => {
    const keys = ["Alice@Example.com", "ALICE@example.COM", "alice@EXAMPLE.com"].map((raw) => {
      const cleaned = cleanEmail(raw);
      if (!cleaned.ok) throw new Error("expected a valid address");
      return normaliseEmailForIndex(cleaned.value);
    });
    expect(new Set(keys)).toEqual(new Set(["alice@example.com"]));
  });
});
