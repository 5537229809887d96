import { createSecretKey, randomBytes, randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { DataKey } from "../../../shared/crypto/data-key.js";
import { FieldCipher } from "../../../shared/crypto/field-cipher.js";
import { FIELD_OVERHEAD_BYTES, openField, sealField } from "../../../shared/crypto/field-seal.js";

const dataKey = (subjectId = randomUUID()) => new DataKey(subjectId, createSecretKey(randomBytes(32)));
const COLUMNS = ["firstName", "email", "phoneNumber"] as const;

describe("sealed fields", () => {
  const cipher = new FieldCipher("identity.users", COLUMNS);

  it("round-trips a record; null and absent stay null; the format byte and overhead are as documented", () => {
    const key = dataKey();
    const sealed = cipher.seal(key, { firstName: "Zoë", email: "zoe@example.org", phoneNumber: null });
    expect(sealed.phoneNumber).toBeNull();
    expect(sealed.email![0]).toBe(0x01);
    expect(sealed.email!.length).toBe(FIELD_OVERHEAD_BYTES + Buffer.byteLength("zoe@example.org"));
    expect(cipher.open(key, sealed)).toEqual({
      firstName: "Zoë",
      email: "zoe@example.org",
      phoneNumber: null,
    });
    expect(cipher.open(key, { email: sealed.email })).toEqual({
      firstName: null,
      email: "zoe@example.org",
      phoneNumber: null,
    });
    expect(cipher.open(key, cipher.seal(key, { firstName: "" })).firstName).toBe("");
  });

  it("never produces the same bytes twice for the same value", () => {
    const key = dataKey();
    const a = cipher.seal(key, { email: "same@example.org" }).email!;
    const b = cipher.seal(key, { email: "same@example.org" }).email!;
    expect(a.equals(b)).toBe(false);
  });

  it("fails a value copied to another subject, another column or another table", () => {
    const alice = dataKey();
    const sealed = cipher.seal(alice, { email: "alice@example.org" });
    // Same key, other subject id (a row copy that also copied the wrapped key would still fail here).
    const sameKeyOtherSubject = new DataKey(randomUUID(), alice.key);
    expect(() => cipher.open(sameKeyOtherSubject, sealed)).toThrow(
      expect.objectContaining({ reason: "DECRYPT_FAILED" }),
    );
    expect(() => cipher.open(alice, { phoneNumber: sealed.email })).toThrow(
      expect.objectContaining({ reason: "DECRYPT_FAILED", field: "identity.users.phoneNumber" }),
    );
    const otherTable = new FieldCipher("credential.claims", COLUMNS);
    expect(() => otherTable.open(alice, sealed)).toThrow(
      expect.objectContaining({ reason: "DECRYPT_FAILED" }),
    );
  });

  it("fails a tampered or truncated value, or an unknown format, naming the field and nothing else", () => {
    const key = dataKey();
    const sealed = cipher.seal(key, { email: "tamper@example.org" }).email!;
    const flipped = Buffer.from(sealed);
    flipped[20] = flipped[20]! ^ 0x40;
    let error: unknown;
    try {
      cipher.open(key, { email: flipped });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      reason: "DECRYPT_FAILED",
      code: "INTERNAL",
      field: "identity.users.email",
    });
    expect(String((error as Error).message)).not.toContain("@example.org");
    expect(() => cipher.open(key, { email: sealed.subarray(0, 20) })).toThrow(
      expect.objectContaining({ reason: "INVALID_CIPHERTEXT" }),
    );
    const future = Buffer.from(sealed);
    future[0] = 0x02;
    expect(() => cipher.open(key, { email: future })).toThrow(
      expect.objectContaining({ reason: "INVALID_CIPHERTEXT" }),
    );
  });

  it("fails under another data key", () => {
    const subject = randomUUID();
    const sealed = sealField(dataKey(subject), Buffer.from("x"), { table: "t", column: "c" });
    expect(() => openField(dataKey(subject), sealed, { table: "t", column: "c" })).toThrow(
      expect.objectContaining({ reason: "DECRYPT_FAILED" }),
    );
  });

  it("seals a batch all or nothing", () => {
    const key = dataKey();
    const keys = new Map([[key.subjectId, key]]);
    expect(() =>
      cipher.sealAll(keys, [
        { subjectId: key.subjectId, values: { email: "a@example.org" } },
        { subjectId: randomUUID(), values: { email: "b@example.org" } },
      ]),
    ).toThrow("no data key");
    const [sealed] = cipher.sealAll(keys, [
      { subjectId: key.subjectId.toUpperCase(), values: { email: "a@example.org" } },
    ]);
    expect(cipher.open(key, sealed!).email).toBe("a@example.org");
  });

  it("refuses ambiguous locations", () => {
    expect(() => new FieldCipher("identity.users", ["email", "email"])).toThrow("duplicate");
    expect(() => new FieldCipher("identity\0users", ["email"])).toThrow("NUL");
    expect(() => new FieldCipher("", ["email"])).toThrow();
  });

  it("never prints a data key's material", () => {
    const key = dataKey("6f1c2d4e-0000-4000-8000-000000000001");
    expect(inspect(key)).toBe("DataKey(6f1c2d4e-0000-4000-8000-000000000001)");
    expect(JSON.stringify({ key })).toBe('{"key":{"subjectId":"6f1c2d4e-0000-4000-8000-000000000001"}}');
  });
});
