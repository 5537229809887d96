import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auditHash, canonicalJson } from "../../shared/events/audit-log.js";
import { recordCanonical } from "../../subgraphs/identity/ingestion/user-ingestion.service.js";

/**
 * The first definition of canonical JSON, kept as the reference: hashes already in audit chains were computed
 * with it, so the faster implementation must produce exactly the same strings.
 */
function reference(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(",")}}`;
}

const json = fc.jsonValue();

describe("canonicalJson", () => {
  it("writes exactly what the first definition wrote", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 500 },
    );
  });

  it("does not depend on the order members were written in", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });

  it("sorts by code unit, drops undefined members, writes dates as ISO strings", () => {
    expect(canonicalJson({ b: 1, a: undefined, B: [undefined, 2], é: null, e: "x" })).toBe(
      '{"B":[null,2],"b":1,"e":"x","é":null}',
    );
    expect(canonicalJson({ at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) })).toBe(
      '{"at":"2024-01-02T03:04:05.000Z"}',
    );
    expect(canonicalJson(undefined)).toBe("null");
  });
});

describe("auditHash", () => {
  it("is sha256 of the previous hash, a newline and the event's canonical JSON", () => {
    const event = fc.record({
      occurredAt: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }),
      type: fc.string(),
      subjectType: fc.string(),
      subjectId: fc.string(),
      actor: fc.string(),
      requestId: fc.option(fc.string(), { nil: null }),
      data: fc.dictionary(fc.string(), json),
    });
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }),
        event,
        (prev, e) => {
          const expected = createHash("sha256")
            .update(`${prev}\n${reference({ ...e, occurredAt: e.occurredAt.toISOString() })}`)
            .digest("hex");
          expect(auditHash(prev, e)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("recordCanonical (the ingest record hash's input)", () => {
  it("is canonicalJson of the record's five personal fields", () => {
    const user = fc.record(
      {
        externalRef: fc.string(),
        firstName: fc.string(),
        lastName: fc.string(),
        email: fc.string(),
        dateOfBirth: fc.string(),
        phoneNumber: fc.string(),
      },
      { requiredKeys: ["externalRef", "firstName", "lastName", "email", "dateOfBirth"] },
    );
    fc.assert(
      fc.property(user, (u) => {
        const { externalRef: _ref, ...personal } = u;
        expect(recordCanonical(u)).toBe(reference({ ...personal, phoneNumber: u.phoneNumber ?? null }));
      }),
      { numRuns: 300 },
    );
  });

  it("sorts a run of same-shaped objects and a differently ordered one alike", () => {
    const rows = [
      { b: 1, a: 2 },
      { b: 3, a: 4 },
      { a: 5, b: 6 },
      { b: 7, a: 8, c: { z: 1, y: 2 } },
    ];
    expect(canonicalJson(rows)).toBe(reference(rows));
  });
});
