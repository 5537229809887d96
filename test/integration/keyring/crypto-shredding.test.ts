import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Orm } from "../../../db/orm.js";
import { RequestContext } from "../../../shared/context.js";
import { DataKey } from "../../../shared/crypto/data-key.js";
import { FieldCipher } from "../../../shared/crypto/field-cipher.js";
import { SubjectKeys } from "../../../shared/crypto/subject-keys.js";
import { verifyAuditChain } from "../../../shared/events/audit-log.js";
import type { Keyring } from "../../../shared/keyring/keyring.js";
import { KeyringError } from "../../../shared/keyring/keyring-error.js";
import { createLogger } from "../../../shared/logger.js";
import { createTestDatabase, createTestOrm, type TestDatabase } from "../../helpers/database.js";
import { openLocalKeyring } from "./local-keyring-factory.js";

const logger = createLogger({ level: "silent" });

describe("crypto-shredding", () => {
  let db: TestDatabase;
  let orm: Orm;
  let keyring: Keyring;
  let keys: SubjectKeys;
  const cipher = new FieldCipher("test.people", ["email", "lastName"] as const);
  const em = () => orm.em.fork() as EntityManager;
  const sql = <T>(query: string, params: unknown[] = []) => em().getConnection().execute<T[]>(query, params);

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: ["audit", "keyring"] });
    orm = await createTestOrm(db.url);
    keyring = openLocalKeyring(db.url);
    keys = new SubjectKeys(keyring);
    await sql("create table shred_people (id uuid primary key, email bytea, last_name bytea)");
  });
  afterAll(async () => {
    await keyring?.close();
    await orm?.close(true);
    await db?.drop();
  });

  async function store(id: string, email: string, lastName: string): Promise<void> {
    const dataKeys = await keys.getOrCreate(em(), [id]);
    const sealed = cipher.seal(dataKeys.get(id)!, { email, lastName });
    await sql("insert into shred_people values (?, ?, ?)", [id, sealed.email, sealed.lastName]);
  }

  it("leaves the ciphertext in place but unrecoverable, and records the erasure without personal values", async () => {
    const erased = randomUUID();
    const kept = randomUUID();
    await store(erased, "erase.me@example.org", "Lovelace");
    await store(kept, "keep.me@example.org", "Hopper");
    const [before] = await sql<{ email: Buffer; last_name: Buffer }>(
      "select email, last_name from shred_people where id = ?",
      [erased],
    );

    const destroyed = await keys.destroy(em(), [erased], { actor: "admin-1", requestId: "req-erase-1" });
    expect(destroyed).toEqual([erased]);

    // The sealed bytes are untouched...
    const [after] = await sql<{ email: Buffer; last_name: Buffer }>(
      "select email, last_name from shred_people where id = ?",
      [erased],
    );
    expect(after!.email.equals(before!.email)).toBe(true);
    expect(after!.last_name.equals(before!.last_name)).toBe(true);
    // ...but the key is gone: the row is a tombstone with nothing to unwrap.
    const [tombstone] = await sql<{
      wrapped_key: string | null;
      kek_version: number | null;
      destroyed_at: string | null;
    }>("select wrapped_key, kek_version, destroyed_at from keyring.data_keys where subject_id = ?", [erased]);
    expect(tombstone).toMatchObject({ wrapped_key: null, kek_version: null });
    expect(Number.isNaN(Date.parse(String(tombstone!.destroyed_at)))).toBe(false);

    // Opening any field of the subject fails with DATA_KEY_DESTROYED (NOT_FOUND for a client).
    const ctx = new RequestContext(randomUUID(), null, em(), logger);
    await expect(keys.unwrapLoader(ctx).load(erased)).rejects.toMatchObject({
      reason: "DATA_KEY_DESTROYED",
      code: "NOT_FOUND",
    });
    const [keptKey] = await keys.load(em(), [kept]);
    expect(
      cipher.open(keptKey as DataKey, {
        email: (await sql<{ email: Buffer }>("select email from shred_people where id = ?", [kept]))[0]!
          .email,
      }).email,
    ).toBe("keep.me@example.org");

    // No key left anywhere opens it: every remaining data key fails on the erased subject's ciphertext.
    const remaining = await sql<{ subject_id: string }>(
      "select subject_id from keyring.data_keys where wrapped_key is not null",
    );
    const candidates = await keys.load(
      em(),
      remaining.map((r) => r.subject_id),
    );
    for (const candidate of candidates) {
      expect(candidate).toBeInstanceOf(DataKey);
      const impostor = new DataKey(erased, (candidate as DataKey).key);
      expect(() => cipher.open(impostor, { email: after!.email })).toThrow(KeyringError);
    }

    const events = await sql<{
      type: string;
      subject_type: string;
      subject_id: string;
      actor: string;
      request_id: string;
      data: unknown;
    }>(
      "select type, subject_type, subject_id, actor, request_id, data from audit.events where type = 'DataKeyDestroyed'",
    );
    expect(events).toEqual([
      {
        type: "DataKeyDestroyed",
        subject_type: "DataSubject",
        subject_id: erased,
        actor: "admin-1",
        request_id: "req-erase-1",
        data: { hadKey: true },
      },
    ]);
    expect(JSON.stringify(events)).not.toMatch(/erase\.me|Lovelace/);
    const chain = await verifyAuditChain((q) => sql(q));
    expect(chain.ok).toBe(true);
  });

  it("never gives an erased subject a new key, and erasing again is a no-op", async () => {
    const id = randomUUID();
    await store(id, "twice@example.org", "Twice");
    await keys.destroy(em(), [id], { actor: "admin-1" });
    await expect(keys.getOrCreate(em(), [randomUUID(), id])).rejects.toMatchObject({
      reason: "DATA_KEY_DESTROYED",
      index: 1,
    });
    expect(await keys.destroy(em(), [id], { actor: "admin-1" })).toEqual([]);
    const events = await sql(
      "select 1 from audit.events where subject_id = ? and type = 'DataKeyDestroyed'",
      [id],
    );
    expect(events).toHaveLength(1);
  });

  it("erases subjects that never had personal data, so none can be stored for them later", async () => {
    const id = randomUUID();
    expect(await keys.destroy(em(), [id], { actor: "admin-1" })).toEqual([id]);
    const [event] = await sql<{ data: unknown }>("select data from audit.events where subject_id = ?", [id]);
    expect(event!.data).toEqual({ hadKey: false });
    await expect(keys.getOrCreate(em(), [id])).rejects.toMatchObject({ reason: "DATA_KEY_DESTROYED" });
  });

  it("rolls back with the caller's transaction: no erasure without its audit event, and none after a rollback", async () => {
    const id = randomUUID();
    await store(id, "rollback@example.org", "Rollback");
    await expect(
      em().transactional(async (tx) => {
        await keys.destroy(tx, [id], { actor: "admin-1" });
        throw new Error("the surrounding state change failed");
      }),
    ).rejects.toThrow("surrounding");
    const [key] = await keys.load(em(), [id]);
    expect(key).toBeInstanceOf(DataKey);
    expect(await sql("select 1 from audit.events where subject_id = ?", [id])).toHaveLength(0);
  });
});
