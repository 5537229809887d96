import { domainToASCII } from "node:url";
import { fail, ok, type Result } from "../../../shared/validation/field-error.js";
import { cleanText, utf8Length } from "../../../shared/validation/strings.js";

const FIELD = "email";
export const MAX_EMAIL_OCTETS = 254;
export const MAX_LOCAL_PART_OCTETS = 64;

/**
 * Dot-atom local part (RFC 5321/5322). Quoted strings and comments are rejected: they are legal but
 * almost never real, and mail systems disagree on how to compare them. Non-ASCII letters, marks and
 * digits are accepted as internationalised addresses (RFC 6531) allow.
 */
const LOCAL_PART = /^[\p{L}\p{M}\p{Nd}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{M}\p{Nd}!#$%&'*+/=?^_`{|}~-]+)*$/u;

/**
 * What the domain may contain before IDNA conversion. domainToASCII implements the WHATWG host parser,
 * which would also percent-decode, accept IP literals and strip ignorable characters; screening first
 * keeps it to the IDNA mapping only.
 */
const UNICODE_DOMAIN = /^[\p{L}\p{M}\p{Nd}.-]+$/u;
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ALL_DIGITS = /^[0-9]+$/;

const INVALID_MESSAGE = "email must be a valid address of the form local-part@domain";

/**
 * Cleans an e-mail address: trimmed and NFC, local part kept exactly (case matters to some servers), the
 * domain lower-cased and IDNA-encoded to ASCII so one domain has one spelling.
 */
export function cleanEmail(raw: unknown): Result<string> {
  const text = cleanText(FIELD, raw, { maxCodePoints: MAX_EMAIL_OCTETS });
  if (!text.ok) return text;
  const parts = text.value.split("@");
  if (parts.length !== 2) return invalid();
  const [local = "", unicodeDomain = ""] = parts;

  if (!LOCAL_PART.test(local)) return invalid();
  if (utf8Length(local) > MAX_LOCAL_PART_OCTETS) {
    return fail(FIELD, "INVALID_EMAIL", `email local part must be at most ${MAX_LOCAL_PART_OCTETS} bytes`);
  }

  const domain = toAsciiDomain(unicodeDomain);
  if (domain === undefined) return invalid();

  const address = `${local}@${domain}`;
  if (utf8Length(address) > MAX_EMAIL_OCTETS) {
    return fail(FIELD, "TOO_LONG", `email must be at most ${MAX_EMAIL_OCTETS} bytes`);
  }
  return ok(address);
}

/**
 * The key for the case-insensitive blind index. Only ever applied to a cleaned address; two addresses
 * that differ only in local-part case are treated as the same person's.
 */
export function normaliseEmailForIndex(cleaned: string): string {
  return cleaned.toLowerCase().normalize("NFC");
}

function toAsciiDomain(unicodeDomain: string): string | undefined {
  if (!UNICODE_DOMAIN.test(unicodeDomain)) return undefined;
  const domain = domainToASCII(unicodeDomain.toLowerCase());
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((label) => ASCII_LABEL.test(label))) return undefined;
  if (ALL_DIGITS.test(labels[labels.length - 1]!)) return undefined;
  return domain;
}

function invalid(): Result<never> {
  return fail(FIELD, "INVALID_EMAIL", INVALID_MESSAGE);
}
