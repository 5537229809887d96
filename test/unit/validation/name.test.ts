import { describe, expect, it } from "vitest";
import { cleanName } from "../../../subgraphs/identity/validation/name.js";

describe("cleanName accepts and cleans", () => {
  it.each([
    // kept as given
    ["José", "José"],
    ["Siobhán O'Brien-Smith", "Siobhán O'Brien-Smith"],
    ["Nguyễn Văn An", "Nguyễn Văn An"],
    ["李小龙", "李小龙"],
    ["Ørsted", "Ørsted"],
    ["Nikolaj Coster-Waldau", "Nikolaj Coster-Waldau"],
    ["D'Angelo", "D'Angelo"],
    ["McDonald", "McDonald"],
    ["van der Berg", "van der Berg"],
    ["McDONALD", "McDONALD"],
    ["Straße", "Straße"],
    ["ʻIolani", "ʻIolani"], // Hawaiian ʻokina is a letter (U+02BB)
    ["Zoë", "Zoë"],
    ["Björk Guðmundsdóttir", "Björk Guðmundsdóttir"],
    ["محمد", "محمد"],
    ["김민준", "김민준"],
    ["さくら", "さくら"],
    ["Иван", "Иван"],
    ["नेहा", "नेहा"], // Devanagari vowel sign is a combining mark
    ["نیک\u200Cنام", "نیک\u200Cنام"], // Persian zero-width non-joiner between letters
    ["A", "A"],
    // periods
    ["Jr.", "Jr."],
    ["St. John", "St. John"],
    ["J.R.R. Tolkien", "J.R.R. Tolkien"],
    ["Jean-Luc Picard Jr.", "Jean-Luc Picard Jr."],
    ["St.-Denis", "St.-Denis"],
    // leading apostrophe of a Dutch elided article
    ["'t Hooft", "'t Hooft"],
    ["Gerard 't Hooft", "Gerard 't Hooft"],
    // trimming, NFC and white space
    ["  José  ", "José"],
    ["José   María", "José María"],
    ["José\u00A0María", "José María"],
    ["José\u3000María", "José María"],
    ["Jose\u0301", "Jos\u00E9"],
    ["Nguye\u0302\u0303n", "Nguyễn"],
    // typographic apostrophe and hyphen variants
    ["O\u2019Brien", "O'Brien"],
    ["d\u2019Artagnan", "d'Artagnan"],
    ["Anne\u2010Marie", "Anne-Marie"],
    ["Anne\u2011Marie", "Anne-Marie"],
    // all upper or all lower case is title-cased
    ["JOSÉ", "José"],
    ["josé", "José"],
    ["o'brien-smith", "O'Brien-Smith"],
    ["O'BRIEN-SMITH", "O'Brien-Smith"],
    ["o\u2019brien", "O'Brien"],
    ["van der berg", "Van Der Berg"],
    ["MCDONALD", "Mcdonald"],
    ["SIOBHÁN O'BRIEN", "Siobhán O'Brien"],
    ["ÉMILE ZOLA", "Émile Zola"],
    ["ŁUKASZ", "Łukasz"],
    ["ÇAĞLAR", "Çağlar"],
    ["İLKER", "İlker"],
    ["ИВАН ПЕТРОВ", "Иван Петров"],
    ["ΑΛΈΞΑΝΔΡΟΣ", "Αλέξανδρος"], // final sigma becomes ς
    ["straße", "Straße"],
    ["STRASSE", "Strasse"],
    ["ßa", "Ssa"], // ß has no single upper-case letter; its title case is Ss
    ["j.r.r. tolkien", "J.R.R. Tolkien"],
    ["jr.", "Jr."],
    ["'T HOOFT", "'t Hooft"],
    ["'s-gravesande", "'s-Gravesande"],
    ["jean   luc", "Jean Luc"],
    // length: 100 code points is the limit
    ["a".repeat(100), `A${"a".repeat(99)}`],
    ["李".repeat(100), "李".repeat(100)],
    ["𠀀".repeat(100), "𠀀".repeat(100)], // 200 UTF-16 units, 100 code points
  ])("%j → %j", (raw, expected) => {
    expect(cleanName("firstName", raw)).toEqual({ ok: true, value: expected });
  });
});

describe("cleanName rejects", () => {
  it.each([
    [undefined, "REQUIRED"],
    [null, "REQUIRED"],
    ["", "REQUIRED"],
    ["   ", "REQUIRED"],
    ["\u00A0\u3000", "REQUIRED"],
    [42, "INVALID_TYPE"],
    [["José"], "INVALID_TYPE"],
    [{ first: "José" }, "INVALID_TYPE"],
    // digits, symbols and markup
    ["José2", "INVALID_NAME"],
    ["R2-D2", "INVALID_NAME"],
    ["José²", "INVALID_NAME"],
    ["Ⅻ", "INVALID_NAME"], // a Roman numeral is a number, not a letter
    ["٣", "INVALID_NAME"], // Arabic-Indic digit
    ["<b>José</b>", "INVALID_NAME"],
    ["José!", "INVALID_NAME"],
    ["José_María", "INVALID_NAME"],
    ["jose@example.com", "INVALID_NAME"],
    ["José, María", "INVALID_NAME"],
    ["Jo;sé", "INVALID_NAME"],
    ["José (María)", "INVALID_NAME"],
    ["José & María", "INVALID_NAME"],
    ["José/María", "INVALID_NAME"],
    ["😀", "INVALID_NAME"],
    ["José 😀", "INVALID_NAME"],
    // separators in the wrong place
    ["-José", "INVALID_NAME"],
    ["José-", "INVALID_NAME"],
    ["José--María", "INVALID_NAME"],
    ["José - María", "INVALID_NAME"],
    ["O''Brien", "INVALID_NAME"],
    ["José'", "INVALID_NAME"],
    ["José' María", "INVALID_NAME"],
    [".José", "INVALID_NAME"],
    ["J..R", "INVALID_NAME"],
    ["Jr..", "INVALID_NAME"],
    ["'", "INVALID_NAME"],
    ["-", "INVALID_NAME"],
    [".", "INVALID_NAME"],
    ["José'-María", "INVALID_NAME"],
    // marks and joiners must follow a letter
    ["\u0301José", "INVALID_NAME"],
    ["José \u0301María", "INVALID_NAME"],
    ["\u200CJosé", "INVALID_NAME"],
    ["José\u200C", "INVALID_NAME"],
    ["José\u200C María", "INVALID_NAME"],
    // control and invisible characters
    ["José\u0000", "NOT_PRINTABLE"],
    ["Jo\tsé", "NOT_PRINTABLE"],
    ["José\nMaría", "NOT_PRINTABLE"],
    ["José\r\nMaría", "NOT_PRINTABLE"],
    ["\u202EJosé", "NOT_PRINTABLE"],
    ["José\u2066María\u2069", "NOT_PRINTABLE"],
    ["Jo\u200Bsé", "NOT_PRINTABLE"],
    ["Jo\u00ADsé", "NOT_PRINTABLE"],
    ["José\u3164", "NOT_PRINTABLE"],
    ["Jos\uD800é", "NOT_PRINTABLE"],
    ["José\u0085", "NOT_PRINTABLE"],
    // length
    ["a".repeat(101), "TOO_LONG"],
    ["𠀀".repeat(101), "TOO_LONG"],
    // the limit applies to the input before its spaces are collapsed
    [`A${" ".repeat(150)}B`, "TOO_LONG"],
    // ß at each word start title-cases to Ss: 99 code points in, 149 out
    [Array.from({ length: 50 }, () => "ß").join(" "), "TOO_LONG"],
  ])("%j → %s", (raw, code) => {
    expect(cleanName("lastName", raw)).toMatchObject({ ok: false, error: { field: "lastName", code } });
  });
});

describe("cleanName reports under the given field name", () => {
  it.each(["firstName", "lastName", "middleName"])("%s", (field) => {
    const result = cleanName(field, "José2");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.field).toBe(field);
      expect(result.error.message.startsWith(field)).toBe(true);
    }
  });
});
