import { createSecretKey, randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { valuesOrThrow } from "../../../shared/keyring/keyring.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { describeKeyringContract } from "./keyring-contract.js";
import { openLocalKeyring } from "./local-keyring-factory.js";

describeKeyringContract("local (PostgreSQL)", async () => {
  const db = await createTestDatabase({ migrate: ["keyring"] });
  return { keyring: openLocalKeyring(db.url), cleanup: () => db.drop() };
});

describe("local keyring across processes and master keys", () => {
  let db: TestDatabase;
  const master = createSecretKey(randomBytes(32));

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: ["keyring"] });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("sees another process's rotation: decrypts its new version and encrypts with it at once", async () => {
    // A long metadata TTL: only the reload-on-unknown-version and fresh-for-writes rules can make this pass.
    const a = openLocalKeyring(db.url, { master, cacheTtlMs: 60_000 });
    const b = openLocalKeyring(db.url, { master, cacheTtlMs: 60_000 });
    try {
      await a.ensureKey("shared", "aes256-gcm96");
      valuesOrThrow(await a.encrypt("shared", [{ plaintext: Buffer.from("warm the cache") }]));
      expect(await b.rotate("shared")).toBe(2);
      const [fromB] = valuesOrThrow(await b.encrypt("shared", [{ plaintext: Buffer.from("from b") }]));
      expect(fromB).toMatch(/^vault:v2:/);
      const [opened] = valuesOrThrow(await a.decrypt("shared", [{ ciphertext: fromB! }]));
      expect(opened?.toString()).toBe("from b");
      const [fromA] = valuesOrThrow(await a.encrypt("shared", [{ plaintext: Buffer.from("from a") }]));
      expect(fromA).toMatch(/^vault:v2:/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("concurrent rotations by two processes yield two distinct versions", async () => {
    const a = openLocalKeyring(db.url, { master });
    const b = openLocalKeyring(db.url, { master });
    try {
      await a.ensureKey("race", "aes256-gcm96");
      const versions = await Promise.all([a.rotate("race"), b.rotate("race")]);
      expect(versions.sort()).toEqual([2, 3]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("refuses to run with another master key than the one that sealed the keyring", async () => {
    const owner = openLocalKeyring(db.url, { master });
    const intruder = openLocalKeyring(db.url);
    try {
      await owner.ensureKey("sealed", "aes256-gcm96");
      const [ciphertext] = valuesOrThrow(await owner.encrypt("sealed", [{ plaintext: Buffer.from("Ada") }]));
      await expect(intruder.decrypt("sealed", [{ ciphertext: ciphertext! }])).rejects.toMatchObject({
        reason: "MASTER_KEY_MISMATCH",
        code: "INTERNAL",
      });
    } finally {
      await owner.close();
      await intruder.close();
    }
  });

  it("binds each sealed version to its key name: material moved to another key does not unseal", async () => {
    const keyring = openLocalKeyring(db.url, { master });
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      await keyring.ensureKey("victim", "aes256-gcm96");
      await keyring.ensureKey("thief", "aes256-gcm96");
      await sql.query(
        `update keyring.key_versions set wrapped_material =
           (select wrapped_material from keyring.key_versions where key_name = 'victim' and version = 1)
         where key_name = 'thief' and version = 1`,
      );
      const fresh = openLocalKeyring(db.url, { master });
      try {
        await expect(fresh.encrypt("thief", [{ plaintext: Buffer.from("x") }])).rejects.toMatchObject({
          reason: "MASTER_KEY_MISMATCH",
        });
      } finally {
        await fresh.close();
      }
      // The stored material is sealed: the raw key bytes of a version never appear in the table.
      const { rows } = await sql.query(
        "select wrapped_material from keyring.key_versions where key_name = 'victim'",
      );
      expect((rows[0].wrapped_material as Buffer).length).toBe(1 + 12 + 32 + 16);
    } finally {
      await sql.end();
      await keyring.close();
    }
  });
});
