import { fail, ok, type Result } from "../../../shared/validation/field-error.js";
import { checkMaxLength, cleanText } from "../../../shared/validation/strings.js";

export const MAX_NAME_CODE_POINTS = 100;

/**
 * A word is a letter followed by letters and combining marks. ZWNJ/ZWJ may join two letter runs inside a
 * word (Persian and Indic spelling), never start or end one.
 */
const WORD = String.raw`\p{L}[\p{L}\p{M}]*(?:[\u200C\u200D]\p{L}[\p{L}\p{M}]*)*`;

/**
 * Words are joined by one space, hyphen, apostrophe or period; a period may also precede a space or a
 * hyphen ("St. John", "J.R.R. Tolkien"), a word may open with an apostrophe at the start of the name or
 * after a space (Dutch "'t Hooft"), and the name may end with a period ("Jr."). Periods are accepted
 * because abbreviated names and suffixes appear on real identity documents; digits never do.
 */
const NAME = new RegExp(String.raw`^'?${WORD}(?:(?:\.?(?: '?|-)|['.])${WORD})*\.?$`, "u");

const TYPOGRAPHIC_APOSTROPHE = /\u2019/g;
// U+2010 HYPHEN and U+2011 NON-BREAKING HYPHEN are keyboard/word-processor variants of "-".
const HYPHEN_VARIANTS = /[\u2010\u2011]/g;
const SPACE_RUNS = /\p{Zs}+/gu;
const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;
const LETTER_RUN = /\p{L}[\p{L}\p{M}\u200C\u200D]*/gu;

/**
 * Cleans a first or last name: trimmed, NFC, inner white space collapsed to one space, ’ replaced by ',
 * and an all-upper or all-lower name title-cased. Mixed case is the holder's own spelling and is kept.
 */
export function cleanName(field: string, raw: unknown): Result<string> {
  const text = cleanText(field, raw, { maxCodePoints: MAX_NAME_CODE_POINTS });
  if (!text.ok) return text;
  const value = text.value
    .replace(TYPOGRAPHIC_APOSTROPHE, "'")
    .replace(HYPHEN_VARIANTS, "-")
    .replace(SPACE_RUNS, " ");
  if (!NAME.test(value)) {
    return fail(
      field,
      "INVALID_NAME",
      `${field} must contain only letters, marks, spaces, hyphens, apostrophes and periods`,
    );
  }
  const cased = hasUniformCase(value) ? titleCase(value).normalize("NFC") : value;
  // Case mapping can lengthen a name (ß → Ss), so the limit is checked again on what is stored.
  const limited = checkMaxLength(field, cased, MAX_NAME_CODE_POINTS);
  return limited.ok ? ok(cased) : limited;
}

/** True when the name has cased letters and they are all upper or all lower case. */
function hasUniformCase(value: string): boolean {
  return UPPER.test(value) !== LOWER.test(value);
}

function titleCase(value: string): string {
  return value.replace(LETTER_RUN, (run: string, offset: number) => {
    // Dutch "'t" and "'s" stay lower case: an apostrophe that opens a word marks an elided article.
    if (offset > 0 && value[offset - 1] === "'" && (offset === 1 || value[offset - 2] === " ")) {
      return run.toLowerCase();
    }
    const first = String.fromCodePoint(run.codePointAt(0)!);
    return titleCaseLetter(first) + run.slice(first.length).toLowerCase();
  });
}

/**
 * JavaScript has no title-case mapping, so upper case stands in for it. Where one letter upper-cases to
 * several ("ß" → "SS", "ﬁ" → "FI") only the first stays upper, as in the real title form ("Ss", "Fi").
 */
function titleCaseLetter(letter: string): string {
  const upper = letter.toUpperCase();
  const head = String.fromCodePoint(upper.codePointAt(0)!);
  return head + upper.slice(head.length).toLowerCase();
}
