import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isFieldErrorCode, type Result } from "../../../shared/validation/field-error.js";
import { codePointLength, isPrintable } from "../../../shared/validation/strings.js";
import { cleanDateOfBirth } from "../../../subgraphs/identity/validation/date-of-birth.js";
import { cleanEmail, normaliseEmailForIndex } from "../../../subgraphs/identity/validation/email.js";
import { cleanExternalRef } from "../../../subgraphs/identity/validation/external-ref.js";
import { cleanName } from "../../../subgraphs/identity/validation/name.js";
import { type CountryCode, cleanPhone } from "../../../subgraphs/identity/validation/phone.js";
import { cleanVerifiedUser } from "../../../subgraphs/identity/validation/verified-user.js";

const today = new Date("2024-06-15T12:00:00Z");
const regions: CountryCode[] = ["GB", "US", "FR", "DE", "JP", "IN", "BR", "AU"];

/** Characters that exercise case mapping, normalisation, separators and the printable filter. */
const TRICKY = [
  ..."aAzZéÉßẞİıŉǰǅǆΣσςΐﬁøØ李김ذ\u0301\u0308\u0345\u200C\u200D",
  ..." \u00A0\u3000-'’.\u2010@+()0123456789_/:",
  "e\u0301",
  "😀",
  "\uD800",
  "\uDC00",
  "\u0000",
  "\t",
  "\u202E",
  "\u200B",
  "\uFEFF",
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** Arbitrary strings of every flavour, including lone surrogates, which `unit: "binary"` never yields. */
const anyString = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary-ascii" }),
  fc.string({ unit: fc.oneof(fc.constantFrom(...TRICKY), loneSurrogate) }),
  fc.string({ unit: fc.constantFrom(...TRICKY), minLength: 90, maxLength: 140 }),
);

const anyInput = fc.oneof(anyString, fc.anything());

const nameLike = fc
  .array(
    fc.tuple(
      fc.constantFrom("", "'"),
      fc.string({
        unit: fc.constantFrom(..."aeiouyrstlnßøéñçğıİjkAEIOUÉØÇLNRST李김ذج"),
        minLength: 1,
        maxLength: 8,
      }),
      fc.constantFrom(" ", "-", "'", ".", ". ", "’", "  "),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((words) =>
    words
      .map(([lead, word, sep]) => `${lead}${word}${sep}`)
      .join("")
      .replace(/[ '’-]+$/, ""),
  );

const emailLike = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(..."abcXYZ019.+_-'é用"), minLength: 1, maxLength: 20 }),
    fc.array(fc.string({ unit: fc.constantFrom(..."abcxyzABC019-üß例"), minLength: 1, maxLength: 12 }), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.constantFrom("com", "de", "CO", "xn--p1ai", "1a"),
  )
  .map(([local, labels, tld]) => `${local}@${[...labels, tld].join(".")}`);

const dateLike = fc
  .tuple(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
  )
  .chain(([year, month, day]) => {
    const y = String(year).padStart(4, "0");
    const m = String(month).padStart(2, "0");
    const d = String(day).padStart(2, "0");
    return fc.constantFrom(`${y}-${m}-${d}`, `${y}${m}${d}`, `${y}-${m}-${d}T00:00:00Z`, `${d}/${m}/${y}`);
  });

const phoneLike = fc.tuple(
  fc.stringMatching(/^(?:\+|00)?[1-9][0-9 ().-]{4,16}[0-9]$/),
  fc.constantFrom(...regions),
);

function expectWellFormed(result: Result<unknown>, field: string): void {
  if (result.ok) return;
  expect(result.error.field).toBe(field);
  expect(isFieldErrorCode(result.error.code)).toBe(true);
  expect(result.error.message.length).toBeGreaterThan(0);
}

/** The raw value must not come back in the message; short values could match a word by chance. */
function expectNoEcho(result: Result<unknown>, raw: unknown): void {
  if (result.ok || typeof raw !== "string") return;
  const trimmed = raw.trim();
  if (trimmed.length >= 6) expect(result.error.message).not.toContain(trimmed);
}

function expectIdempotent<T>(clean: (value: T) => Result<T>, first: Result<T>): void {
  if (first.ok) expect(clean(first.value)).toEqual(first);
}

const cleaners: [string, string, (raw: unknown) => Result<string>][] = [
  ["cleanName", "firstName", (raw) => cleanName("firstName", raw)],
  ["cleanEmail", "email", cleanEmail],
  ["cleanDateOfBirth", "dateOfBirth", (raw) => cleanDateOfBirth(raw, { today })],
  ["cleanPhone", "phoneNumber", (raw) => cleanPhone(raw, "GB")],
  ["cleanExternalRef", "externalRef", cleanExternalRef],
];

describe.each(cleaners)("%s on arbitrary input", (_name, field, clean) => {
  it("never throws and returns a well-formed result", () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        expectWellFormed(clean(raw), field);
      }),
      { numRuns: 500 },
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        expectIdempotent(clean, clean(raw));
      }),
      { numRuns: 500 },
    );
  });

  it("never echoes the rejected value in its message", () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        expectNoEcho(clean(raw), raw);
      }),
      { numRuns: 500 },
    );
  });

  it("returns printable, trimmed values", () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const result = clean(raw);
        if (result.ok) {
          expect(isPrintable(result.value)).toBe(true);
          expect(result.value).toBe(result.value.trim());
          expect(result.value).toBe(result.value.normalize("NFC"));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("cleanName on name-like input", () => {
  const clean = (raw: string) => cleanName("lastName", raw);

  it("is idempotent", () => {
    fc.assert(
      fc.property(nameLike, (raw) => {
        expectIdempotent(clean, clean(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts many and always returns collapsed, straight-apostrophe, bounded names", () => {
    let accepted = 0;
    fc.assert(
      fc.property(nameLike, (raw) => {
        const result = clean(raw);
        if (!result.ok) return;
        accepted++;
        expect(result.value).not.toMatch(/ {2}|’|^ | $/);
        expect(codePointLength(result.value)).toBeLessThanOrEqual(100);
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it("keeps mixed-case names exactly, up to white space and apostrophes", () => {
    fc.assert(
      fc.property(nameLike, (raw) => {
        const result = clean(raw);
        const tidy = raw.trim().replace(/’/g, "'").replace(/\s+/g, " ").normalize("NFC");
        if (result.ok && /\p{Lu}/u.test(tidy) && /\p{Ll}/u.test(tidy)) expect(result.value).toBe(tidy);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("cleanEmail on address-like input", () => {
  it("is idempotent, with an ASCII lower-case domain and an index key stable under case changes", () => {
    fc.assert(
      fc.property(emailLike, (raw) => {
        const result = cleanEmail(raw);
        expectIdempotent(cleanEmail, result);
        if (!result.ok) return;
        const domain = result.value.slice(result.value.lastIndexOf("@") + 1);
        expect(domain).toMatch(/^[a-z0-9.-]+$/);
        const shouted = cleanEmail(result.value.toUpperCase());
        if (shouted.ok) {
          expect(normaliseEmailForIndex(shouted.value)).toBe(normaliseEmailForIndex(result.value));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("cleanDateOfBirth on date-like input", () => {
  it("is idempotent and returns YYYY-MM-DD", () => {
    fc.assert(
      fc.property(dateLike, (raw) => {
        const result = cleanDateOfBirth(raw, { today });
        expectIdempotent((value) => cleanDateOfBirth(value, { today }), result);
        if (result.ok) expect(result.value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }),
      { numRuns: 1000 },
    );
  });

  it("accepts every real past date within 130 years, as written", () => {
    const min = new Date("1894-06-15T00:00:00Z");
    fc.assert(
      fc.property(fc.date({ min, max: today, noInvalidDate: true }), (date) => {
        const iso = date.toISOString().slice(0, 10);
        expect(cleanDateOfBirth(iso, { today })).toEqual({ ok: true, value: iso });
        expect(cleanDateOfBirth(iso.replace(/-/g, ""), { today })).toEqual({ ok: true, value: iso });
      }),
      { numRuns: 500 },
    );
  });
});

describe("cleanPhone on phone-like input", () => {
  it("is idempotent in any region: E.164 does not depend on the default region", () => {
    fc.assert(
      fc.property(phoneLike, fc.constantFrom(...regions), ([raw, region], otherRegion) => {
        const result = cleanPhone(raw, region);
        if (!result.ok) return;
        expect(result.value).toMatch(/^\+[1-9][0-9]{1,14}$/);
        expect(cleanPhone(result.value, otherRegion)).toEqual(result);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("cleanExternalRef on reference-like input", () => {
  it("accepts every allowed reference unchanged", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9\-_.:/@]{1,128}$/), (raw) => {
        expect(cleanExternalRef(raw)).toEqual({ ok: true, value: raw });
      }),
      { numRuns: 500 },
    );
  });
});

describe("codePointLength", () => {
  it("agrees with the string iterator, lone surrogates included", () => {
    fc.assert(
      fc.property(anyString, (value) => {
        expect(codePointLength(value)).toBe(Array.from(value).length);
      }),
      { numRuns: 500 },
    );
  });
});

describe("cleanVerifiedUser on arbitrary records", () => {
  const field = (valid: fc.Arbitrary<unknown>) => fc.oneof(valid, anyInput);
  const record = fc.record(
    {
      externalRef: field(fc.stringMatching(/^[a-z0-9-]{1,20}$/)),
      firstName: field(nameLike),
      lastName: field(nameLike),
      email: field(emailLike),
      dateOfBirth: field(dateLike),
      phoneNumber: field(fc.constantFrom("+44 20 7946 0958", "020 7946 0958", null, "")),
      verifiedAt: field(fc.constantFrom("2024-01-01T00:00:00Z", new Date("2024-06-15T12:04:00Z"), null)),
    },
    { requiredKeys: [] },
  );
  const options = { today, defaultRegion: "GB" as const };

  it("never throws, and errors name input fields with catalogue codes", () => {
    const fields = [
      "externalRef",
      "firstName",
      "lastName",
      "email",
      "dateOfBirth",
      "phoneNumber",
      "verifiedAt",
    ];
    fc.assert(
      fc.property(fc.oneof(record, fc.anything()), (input) => {
        const result = cleanVerifiedUser(input, options);
        if (result.ok) return;
        expect(result.errors.length).toBeGreaterThan(0);
        for (const error of result.errors) {
          expect(fields).toContain(error.field);
          expect(isFieldErrorCode(error.code)).toBe(true);
        }
        expect(new Set(result.errors.map((error) => error.field)).size).toBe(result.errors.length);
      }),
      { numRuns: 1000 },
    );
  });

  it("is idempotent: a cleaned record cleans to itself", () => {
    fc.assert(
      fc.property(record, (input) => {
        const result = cleanVerifiedUser(input, options);
        if (result.ok) expect(cleanVerifiedUser(result.value, options)).toEqual(result);
      }),
      { numRuns: 1000 },
    );
  });
});
