import { describe, expect, it } from "vitest";
import {
  checkMaxLength,
  checkPrintable,
  cleanText,
  codePointLength,
  isPrintable,
  normaliseText,
  requireString,
  utf8Length,
} from "../../../shared/validation/strings.js";

describe("codePointLength", () => {
  it.each([
    ["", 0],
    ["a", 1],
    ["José", 4],
    ["Jose\u0301", 5], // decomposed é is two code points
    ["李小龙", 3],
    ["😀", 1], // one code point, two UTF-16 units
    ["😀😀a", 3],
    ["\u{20000}", 1], // CJK extension B
    ["👨‍👩‍👧", 5], // three emoji joined by two ZWJs
    ["\uD800", 1], // lone high surrogate
    ["\uDC00", 1], // lone low surrogate
    ["\uDC00\uD800", 2], // reversed pair is two lone surrogates
    ["a\uD800", 2],
  ])("%j has %i code points", (value, expected) => {
    expect(codePointLength(value)).toBe(expected);
  });
});

describe("utf8Length", () => {
  it.each([
    ["", 0],
    ["abc", 3],
    ["é", 2],
    ["李", 3],
    ["😀", 4],
  ])("%j is %i bytes", (value, expected) => {
    expect(utf8Length(value)).toBe(expected);
  });
});

describe("normaliseText", () => {
  it.each([
    ["  José  ", "José"],
    ["Jose\u0301", "Jos\u00E9"],
    ["\u00A0\u3000José\t\n", "José"], // NBSP, ideographic space, tab, newline all trimmed
    ["\uFEFFJosé", "José"], // a byte-order mark left by a CSV export
    ["a  b", "a  b"], // inner space is not this function's business
    ["", ""],
  ])("%j → %j", (raw, expected) => {
    expect(normaliseText(raw)).toBe(expected);
  });
});

describe("isPrintable", () => {
  it.each([
    ["José"],
    ["李小龙"],
    ["Nguyễn Văn An"],
    ["نیک\u200Cنام"], // Persian ZWNJ is orthography, not an invisible trick
    ["a b-c'd.e"],
    ["😀"],
    [""],
  ])("accepts %j", (value) => {
    expect(isPrintable(value)).toBe(true);
  });

  it.each([
    ["NUL", "a\u0000b"],
    ["tab", "a\tb"],
    ["line feed", "a\nb"],
    ["carriage return", "a\rb"],
    ["escape", "a\u001Bb"],
    ["DEL", "a\u007Fb"],
    ["C1 NEL", "a\u0085b"],
    ["C1 CSI", "a\u009Bb"],
    ["lone high surrogate", "a\uD800b"],
    ["lone low surrogate", "a\uDC00b"],
    ["private use", "a\uE000b"],
    ["supplementary private use", "a\u{F0000}b"],
    ["line separator", "a\u2028b"],
    ["paragraph separator", "a\u2029b"],
    ["noncharacter U+FFFE", "a\uFFFEb"],
    ["noncharacter U+10FFFF", "a\u{10FFFF}b"],
    ["soft hyphen", "a\u00ADb"],
    ["arabic letter mark", "a\u061Cb"],
    ["left-to-right mark", "a\u200Eb"],
    ["right-to-left mark", "a\u200Fb"],
    ["LRE", "a\u202Ab"],
    ["RLO", "a\u202Eb"],
    ["LRI", "a\u2066b"],
    ["PDI", "a\u2069b"],
    ["zero-width space", "a\u200Bb"],
    ["word joiner", "a\u2060b"],
    ["invisible times", "a\u2062b"],
    ["zero-width no-break space inside", "a\uFEFFb"],
    ["Mongolian vowel separator", "a\u180Eb"],
    ["Hangul filler", "a\u3164b"],
    ["halfwidth Hangul filler", "a\uFFA0b"],
    ["interlinear annotation anchor", "a\uFFF9b"],
    ["tag character", "a\u{E0041}b"],
  ])("rejects %s", (_name, value) => {
    expect(isPrintable(value)).toBe(false);
  });
});

describe("requireString", () => {
  it.each([
    [undefined, "REQUIRED"],
    [null, "REQUIRED"],
    [42, "INVALID_TYPE"],
    [true, "INVALID_TYPE"],
    [{}, "INVALID_TYPE"],
    [["a"], "INVALID_TYPE"],
    [new String("a"), "INVALID_TYPE"],
  ])("%j → %s", (raw, code) => {
    const result = requireString("firstName", raw);
    expect(result).toMatchObject({ ok: false, error: { field: "firstName", code } });
  });

  it("returns strings unchanged, even blank ones", () => {
    expect(requireString("f", "  a ")).toEqual({ ok: true, value: "  a " });
    expect(requireString("f", "")).toEqual({ ok: true, value: "" });
  });
});

describe("checkMaxLength and checkPrintable", () => {
  it("counts code points, not UTF-16 units", () => {
    expect(checkMaxLength("f", "😀".repeat(3), 3).ok).toBe(true);
    expect(checkMaxLength("f", "😀".repeat(4), 3)).toMatchObject({ ok: false, error: { code: "TOO_LONG" } });
  });

  it("reports NOT_PRINTABLE for the field", () => {
    expect(checkPrintable("lastName", "a\u202Eb")).toMatchObject({
      ok: false,
      error: { field: "lastName", code: "NOT_PRINTABLE" },
    });
  });
});

describe("cleanText", () => {
  const clean = (raw: unknown) => cleanText("field", raw, { maxCodePoints: 5 });

  it.each([
    ["abc", "abc"],
    ["  abc  ", "abc"],
    ["abcde", "abcde"],
    ["😀😀😀😀😀", "😀😀😀😀😀"],
    ["e\u0301e\u0301e\u0301e\u0301e\u0301", "ééééé"], // 10 code points before NFC, 5 after
    ["\u00A0abc\u00A0", "abc"],
  ])("accepts %j as %j", (raw, expected) => {
    expect(clean(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [undefined, "REQUIRED"],
    [null, "REQUIRED"],
    ["", "REQUIRED"],
    ["   \t\n ", "REQUIRED"],
    [7, "INVALID_TYPE"],
    ["abcdef", "TOO_LONG"],
    ["😀😀😀😀😀😀", "TOO_LONG"],
    ["a\u0000b", "NOT_PRINTABLE"],
    ["a\u202Eb", "NOT_PRINTABLE"],
    ["\u200B", "NOT_PRINTABLE"], // not white space, so not trimmed away
  ])("rejects %j with %s", (raw, code) => {
    expect(clean(raw)).toMatchObject({ ok: false, error: { field: "field", code } });
  });

  it("rejects a megabyte of text as TOO_LONG without choking", () => {
    expect(clean(`${"a".repeat(1_000_000)}\u0000`)).toMatchObject({ ok: false, error: { code: "TOO_LONG" } });
  });
});
