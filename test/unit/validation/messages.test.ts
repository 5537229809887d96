import { describe, expect, it } from "vitest";
import type { FieldError, Result } from "../../../shared/validation/field-error.js";
import { cleanDateOfBirth } from "../../../subgraphs/identity/validation/date-of-birth.js";
import { cleanEmail } from "../../../subgraphs/identity/validation/email.js";
import { cleanExternalRef } from "../../../subgraphs/identity/validation/external-ref.js";
import { cleanName } from "../../../subgraphs/identity/validation/name.js";
import { cleanPhone } from "../../../subgraphs/identity/validation/phone.js";
import { cleanVerifiedAt, cleanVerifiedUser } from "../../../subgraphs/identity/validation/verified-user.js";

const today = new Date("2024-06-15T12:00:00Z");

/** The whole value and every word of four or more letters or digits in it: a fragment is still data. */
function fragments(raw: string): string[] {
  const words = raw.match(/[\p{L}\p{N}]{4,}/gu) ?? [];
  return [raw.trim(), ...words].filter((fragment) => fragment.length >= 4);
}

function errorOf(result: Result<unknown>): FieldError {
  if (result.ok) throw new Error("expected a rejection");
  return result.error;
}

describe("error messages never contain the rejected value", () => {
  it.each<[string, string, (raw: string) => Result<unknown>]>([
    ["name with digits", "Siobhán2 O'Brien", (raw) => cleanName("firstName", raw)],
    ["name with markup", "<b>Zebedee</b>", (raw) => cleanName("lastName", raw)],
    ["name with a control character", "Xavier\u0000Quint", (raw) => cleanName("lastName", raw)],
    ["overlong name", "Wolfeschlegelsteinhausenbergerdorff".repeat(4), (raw) => cleanName("lastName", raw)],
    ["malformed email", "jane.doe@@mailhost.example", cleanEmail],
    ["email without a domain dot", "jane.doe@mailhost", cleanEmail],
    ["email with a long local part", `${"jane".repeat(17)}@mailhost.example`, cleanEmail],
    ["overlong email", `jane@${"mailhost.".repeat(40)}example`, cleanEmail],
    ["impossible date", "1987-02-30", (raw) => cleanDateOfBirth(raw, { today })],
    ["ambiguous date", "14/05/1987", (raw) => cleanDateOfBirth(raw, { today })],
    ["future birth date", "2031-07-19", (raw) => cleanDateOfBirth(raw, { today })],
    ["implausibly old", "1803-07-19", (raw) => cleanDateOfBirth(raw, { today })],
    ["too young", "2019-07-19", (raw) => cleanDateOfBirth(raw, { today, minAgeYears: 18 })],
    ["invalid phone", "+1 555 867 5309", (raw) => cleanPhone(raw, "US")],
    ["phone with extension", "+44 20 7946 0958 ext 4471", (raw) => cleanPhone(raw, "GB")],
    ["overlong phone", "7946".repeat(20), (raw) => cleanPhone(raw, "GB")],
    ["external ref with a space", "acct 99817", cleanExternalRef],
    ["overlong external ref", "acct".repeat(40), cleanExternalRef],
    ["future verifiedAt", "2031-07-19T10:00:00Z", (raw) => cleanVerifiedAt(raw, today)],
    ["malformed verifiedAt", "Friday 19 July 2031", (raw) => cleanVerifiedAt(raw, today)],
  ])("%s", (_name, raw, clean) => {
    const { message } = errorOf(clean(raw));
    for (const fragment of fragments(raw)) expect(message).not.toContain(fragment);
  });

  it("holds across a whole rejected record", () => {
    const input = {
      externalRef: "acct 99817",
      firstName: "Siobhán2",
      lastName: "O'Brien<script>",
      email: "jane.doe@@mailhost.example",
      dateOfBirth: "14/05/1987",
      phoneNumber: "+1 555 867 5309",
      verifiedAt: "2031-07-19T10:00:00Z",
    };
    const result = cleanVerifiedUser(input, { today, defaultRegion: "GB" });
    expect(result.ok).toBe(false);
    const reported = JSON.stringify(result);
    for (const raw of Object.values(input)) {
      for (const fragment of fragments(raw)) expect(reported).not.toContain(fragment);
    }
  });
});
