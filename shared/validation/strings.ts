import { fail, ok, type Result } from "./field-error.js";

/**
 * Characters that render as nothing or change how neighbouring text renders. They let two stored values
 * look identical while differing (spoofing), or reorder what an operator sees (Trojan Source), so no
 * identity field may contain them.
 *
 * ZWNJ/ZWJ (U+200C/U+200D) are deliberately absent: Persian and Indic orthography needs them. Fields
 * that must not contain them exclude them through their own character rules.
 */
const UNPRINTABLE = new RegExp(
  [
    "[",
    "\\p{Cc}", // C0 and C1 controls, including tab and newline
    "\\p{Cs}", // lone surrogates: not text, and they break UTF-8 encoding downstream
    "\\p{Co}", // private use: renders as whatever font happens to be installed
    "\\p{Zl}\\p{Zp}", // line and paragraph separators
    "\\p{Noncharacter_Code_Point}",
    "\\u00AD", // soft hyphen
    "\\u061C\\u200E\\u200F", // bidi marks
    "\\u202A-\\u202E\\u2066-\\u2069", // bidi embeddings, overrides and isolates
    "\\u180E\\u200B\\u2060-\\u2064\\u206A-\\u206F\\uFEFF", // zero-width and invisible operators
    "\\u3164\\uFFA0", // Hangul fillers, popular blank-looking spoofing characters
    "\\uFFF9-\\uFFFB", // interlinear annotation
    "\\u{E0000}-\\u{E007F}", // tag characters
    "]",
  ].join(""),
  "u",
);

/** Undefined/null is REQUIRED, any other non-string INVALID_TYPE; the string itself is returned as is. */
export function requireString(field: string, raw: unknown): Result<string> {
  if (raw === undefined || raw === null) return fail(field, "REQUIRED", `${field} is required`);
  if (typeof raw !== "string") return fail(field, "INVALID_TYPE", `${field} must be a string`);
  return ok(raw);
}

/** Trim (all Unicode white space) and compose to NFC, so equal-looking input compares equal. */
export function normaliseText(raw: string): string {
  return raw.trim().normalize("NFC");
}

/** Length in Unicode code points: what a person would count, unlike UTF-16 `.length`. */
export function codePointLength(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point; count it once.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** UTF-8 length, for limits defined in octets (e-mail local parts). */
export function utf8Length(value: string): number {
  return Buffer.byteLength(value, "utf8");
}

export function isPrintable(value: string): boolean {
  return !UNPRINTABLE.test(value);
}

export function checkPrintable(field: string, value: string): Result<string> {
  return isPrintable(value)
    ? ok(value)
    : fail(field, "NOT_PRINTABLE", `${field} must not contain control or invisible characters`);
}

export function checkMaxLength(field: string, value: string, maxCodePoints: number): Result<string> {
  return codePointLength(value) <= maxCodePoints ? ok(value) : tooLong(field, maxCodePoints);
}

export function checkNotEmpty(field: string, value: string): Result<string> {
  return value.length > 0 ? ok(value) : fail(field, "REQUIRED", `${field} must not be empty`);
}

export interface TextOptions {
  maxCodePoints: number;
}

/**
 * The common prefix of every text field: required, a string, trimmed and NFC-composed, non-empty,
 * printable and within the length limit. Field-specific rules run on the result.
 */
export function cleanText(field: string, raw: unknown, options: TextOptions): Result<string> {
  const required = requireString(field, raw);
  if (!required.ok) return required;
  const trimmed = required.value.trim();
  // Refuse huge input before normalising and scanning it. NFC composes at most four code points into
  // one and a code point is at most two UTF-16 units, so nothing past 8x the limit can fit it.
  if (trimmed.length > options.maxCodePoints * 8) return tooLong(field, options.maxCodePoints);
  const value = trimmed.normalize("NFC");
  const present = checkNotEmpty(field, value);
  if (!present.ok) return present;
  const printable = checkPrintable(field, value);
  if (!printable.ok) return printable;
  return checkMaxLength(field, value, options.maxCodePoints);
}

function tooLong(field: string, maxCodePoints: number): Result<never> {
  return fail(field, "TOO_LONG", `${field} must be at most ${maxCodePoints} characters`);
}
