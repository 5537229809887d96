import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlindIndex } from "../../../shared/crypto/blind-index.js";
import type { Keyring } from "../../../shared/keyring/keyring.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { InstrumentedKeyring } from "./instrumented-keyring.js";
import { openLocalKeyring } from "./local-keyring-factory.js";

describe("blind indexes", () => {
  let db: TestDatabase;
  let keyring: Keyring;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: ["keyring"] });
    keyring = openLocalKeyring(db.url);
  });
  afterAll(async () => {
    await keyring?.close();
    await db?.drop();
  });

  it("gives equal normalised values equal tokens, fit for a unique index, in one keyring call per batch", async () => {
    const instrumented = new InstrumentedKeyring(keyring);
    const index = new BlindIndex(instrumented.keyring);
    const tokens = await index.compute("email", ["ada@example.org", "grace@example.org", "ada@example.org"]);
    expect(tokens[0]).toBe(tokens[2]);
    expect(tokens[0]).not.toBe(tokens[1]);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(instrumented.count("hmac")).toBe(1);
    expect(await index.compute("email", [])).toEqual([]);
  });

  it("separates kinds: the same string as an email and as a phone gives different tokens", async () => {
    const index = new BlindIndex(keyring);
    const [asEmail] = await index.compute("email", ["+14155550123"]);
    const [asPhone] = await index.compute("phone", ["+14155550123"]);
    expect(asEmail).not.toBe(asPhone);
  });

  it("stays stable across processes and across rotation of the index key (the version is pinned)", async () => {
    const index = new BlindIndex(keyring);
    const before = await index.computeOne("email", "stable@example.org");
    await keyring.rotate(index.keyName);
    const other = openLocalKeyring(db.url, {});
    try {
      // Another process with another master key cannot even open the keyring, let alone forge tokens...
      await expect(new BlindIndex(other).computeOne("email", "stable@example.org")).rejects.toMatchObject({
        reason: "MASTER_KEY_MISMATCH",
      });
    } finally {
      await other.close();
    }
    // ...while this one keeps giving the same token after the rotation.
    expect(await index.computeOne("email", "stable@example.org")).toBe(before);
    expect(await new BlindIndex(keyring).computeOne("email", "stable@example.org")).toBe(before);
  });

  it("is keyed: a different key gives different tokens for the same value", async () => {
    const a = await new BlindIndex(keyring, { keyName: "blind-index-a" }).computeOne(
      "email",
      "same@example.org",
    );
    const b = await new BlindIndex(keyring, { keyName: "blind-index-b" }).computeOne(
      "email",
      "same@example.org",
    );
    expect(a).not.toBe(b);
  });
});
