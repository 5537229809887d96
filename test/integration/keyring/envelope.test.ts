import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Orm } from "../../../db/orm.js";
import { RequestContext } from "../../../shared/context.js";
import { DataKey } from "../../../shared/crypto/data-key.js";
import { FieldCipher } from "../../../shared/crypto/field-cipher.js";
import { SubjectKeys } from "../../../shared/crypto/subject-keys.js";
import { KeyringError } from "../../../shared/keyring/keyring-error.js";
import { createLogger } from "../../../shared/logger.js";
import { createTestDatabase, createTestOrm, type TestDatabase } from "../../helpers/database.js";
import { InstrumentedKeyring } from "./instrumented-keyring.js";
import { openLocalKeyring } from "./local-keyring-factory.js";

const COLUMNS = ["firstName", "email", "phoneNumber"] as const;
const logger = createLogger({ level: "silent" });

describe("envelope encryption with per-subject data keys", () => {
  let db: TestDatabase;
  let orm: Orm;
  let instrumented: InstrumentedKeyring;
  let keys: SubjectKeys;
  const cipher = new FieldCipher("test.people", COLUMNS);

  const em = () => orm.em.fork() as EntityManager;
  const sql = <T>(query: string, params: unknown[] = []) => em().getConnection().execute<T[]>(query, params);
  const requestContext = () => new RequestContext(randomUUID(), null, em(), logger);

  /** Stores records the way a subgraph would: keys and sealed rows in one transaction. */
  async function storePeople(
    people: Array<{ id: string; firstName: string; email: string; phoneNumber: string | null }>,
  ) {
    await em().transactional(async (tx) => {
      const dataKeys = await keys.getOrCreate(
        tx,
        people.map((p) => p.id),
      );
      const sealed = cipher.sealAll(
        dataKeys,
        people.map((p) => ({ subjectId: p.id, values: p })),
      );
      for (const [i, person] of people.entries()) {
        await tx
          .getConnection()
          .execute(
            "insert into test_people (id, first_name, email, phone_number) values (?, ?, ?, ?)",
            [person.id, sealed[i]!.firstName, sealed[i]!.email, sealed[i]!.phoneNumber],
            "run",
            tx.getTransactionContext(),
          );
      }
    });
  }

  /** Reads rows the way resolvers do: rows first, then every field opens through the request's loader. */
  async function readPeople(ctx: RequestContext, ids: readonly string[]) {
    const rows = await sql<{ id: string; first_name: Buffer; email: Buffer; phone_number: Buffer | null }>(
      "select id, first_name, email, phone_number from test_people where id = any(?::uuid[])",
      [`{${ids.join(",")}}`],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return Promise.all(
      ids.map(async (id) => {
        const row = byId.get(id)!;
        const key = await keys.unwrapLoader(ctx).load(id);
        return cipher.open(key, {
          firstName: row.first_name,
          email: row.email,
          phoneNumber: row.phone_number,
        });
      }),
    );
  }

  const readPerson = async (ctx: RequestContext, id: string) => (await readPeople(ctx, [id]))[0]!;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: ["audit", "keyring"] });
    orm = await createTestOrm(db.url);
    await sql(
      "create table test_people (id uuid primary key, first_name bytea, email bytea, phone_number bytea)",
    );
    instrumented = new InstrumentedKeyring(openLocalKeyring(db.url));
    keys = new SubjectKeys(instrumented.keyring);
    await keys.ensureKek();
  });
  beforeEach(() => instrumented.reset());
  afterAll(async () => {
    await instrumented?.keyring.close();
    await orm?.close(true);
    await db?.drop();
  });

  it("creates and wraps a batch's data keys in one keyring call, and returns the same keys afterwards", async () => {
    const ids = Array.from({ length: 50 }, () => randomUUID());
    const created = await keys.getOrCreate(em(), ids);
    expect(created.size).toBe(50);
    expect(instrumented.count("encrypt")).toBe(1);
    expect(instrumented.count("decrypt")).toBe(0);
    const rows = await sql<{ wrapped_key: string; kek_version: number }>(
      "select wrapped_key, kek_version from keyring.data_keys where subject_id = any(?::uuid[])",
      [`{${ids.join(",")}}`],
    );
    expect(rows).toHaveLength(50);
    for (const row of rows) {
      expect(row.wrapped_key).toMatch(/^vault:v1:/);
      expect(row.kek_version).toBe(1);
    }

    instrumented.reset();
    const again = await keys.getOrCreate(em(), [...ids, randomUUID()]);
    expect(instrumented.count("encrypt")).toBe(1);
    expect(instrumented.count("decrypt")).toBe(1);
    const sealed = cipher.seal(created.get(ids[7]!)!, { email: "same key" });
    expect(cipher.open(again.get(ids[7]!)!, sealed).email).toBe("same key");
  });

  it("hands concurrent creators of the same subjects the same keys", async () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const [a, b] = await Promise.all([keys.getOrCreate(em(), ids), keys.getOrCreate(em(), ids)]);
    for (const id of ids) {
      const sealed = cipher.seal(a.get(id)!, { firstName: "Ada" });
      expect(cipher.open(b.get(id)!, sealed).firstName).toBe("Ada");
    }
  });

  it("unwraps every key a GraphQL request needs in one keyring call, through the request's DataLoader", async () => {
    const people = Array.from({ length: 25 }, (_, i) => ({
      id: randomUUID(),
      firstName: `Person ${i}`,
      email: `person${i}@example.org`,
      phoneNumber: i % 2 ? `+4420794600${String(i).padStart(2, "0")}` : null,
    }));
    await storePeople(people);
    instrumented.reset();
    const ctx = requestContext();
    const opened = await readPeople(
      ctx,
      people.map((p) => p.id),
    );
    expect(opened).toEqual(
      people.map(({ firstName, email, phoneNumber }) => ({ firstName, email, phoneNumber })),
    );
    expect(instrumented.count("decrypt")).toBe(1);
    // The same request reading again hits the loader's cache; a new request unwraps again.
    await readPerson(ctx, people[0]!.id);
    expect(instrumented.count("decrypt")).toBe(1);
    await readPerson(requestContext(), people[0]!.id);
    expect(instrumented.count("decrypt")).toBe(2);
  });

  it("stores no plaintext: the database holds sealed bytes only", async () => {
    const id = randomUUID();
    await storePeople([
      { id, firstName: "Hedy", email: "hedy.lamarr@example.org", phoneNumber: "+12025550143" },
    ]);
    const [row] = await sql<Record<string, Buffer>>(
      "select first_name, email, phone_number from test_people where id = ?",
      [id],
    );
    for (const value of Object.values(row!)) {
      expect(value.toString("latin1")).not.toMatch(/Hedy|lamarr|2025550143/);
      expect(value[0]).toBe(0x01);
    }
  });

  it("refuses a sealed value copied to another row or column in the database", async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    await storePeople([
      { id: alice, firstName: "Alice", email: "alice@example.org", phoneNumber: "+441632960001" },
      { id: bob, firstName: "Bob", email: "bob@example.org", phoneNumber: "+441632960002" },
    ]);
    await sql("update test_people set email = (select email from test_people where id = ?) where id = ?", [
      alice,
      bob,
    ]);
    await sql("update test_people set phone_number = email where id = ?", [alice]);
    const ctx = requestContext();
    await expect(readPerson(ctx, bob)).rejects.toMatchObject({
      reason: "DECRYPT_FAILED",
      field: "test.people.email",
    });
    await expect(readPerson(ctx, alice)).rejects.toMatchObject({
      reason: "DECRYPT_FAILED",
      field: "test.people.phoneNumber",
    });
  });

  it("refuses a wrapped data key copied onto another subject's row", async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    await keys.getOrCreate(em(), [alice, bob]);
    await sql(
      "update keyring.data_keys set wrapped_key = (select wrapped_key from keyring.data_keys where subject_id = ?) where subject_id = ?",
      [alice, bob],
    );
    const [aliceKey, bobKey] = await keys.load(em(), [alice, bob]);
    expect(aliceKey).toBeInstanceOf(DataKey);
    expect(bobKey).toMatchObject({ reason: "DECRYPT_FAILED", index: 1 });
  });

  it("writes nothing when the keyring fails: no data key, no half-sealed record", async () => {
    const id = randomUUID();
    instrumented.failNext("encrypt", new KeyringError("KEYRING_UNAVAILABLE"));
    await expect(
      storePeople([{ id, firstName: "Lost", email: "lost@example.org", phoneNumber: null }]),
    ).rejects.toMatchObject({ reason: "KEYRING_UNAVAILABLE", code: "SERVICE_UNAVAILABLE" });

    const ids = [randomUUID(), randomUUID(), randomUUID()];
    instrumented.failItem("encrypt", 1, new KeyringError("KEYRING_ERROR", { index: 1 }));
    await expect(
      storePeople(
        ids.map((pid) => ({ id: pid, firstName: "Partial", email: "p@example.org", phoneNumber: null })),
      ),
    ).rejects.toMatchObject({ reason: "KEYRING_ERROR" });

    const all = `{${[id, ...ids].join(",")}}`;
    expect(
      await sql("select 1 from keyring.data_keys where subject_id = any(?::uuid[])", [all]),
    ).toHaveLength(0);
    expect(await sql("select 1 from test_people where id = any(?::uuid[])", [all])).toHaveLength(0);
  });

  it("reports subjects without a data key as KEY_NOT_FOUND, per item", async () => {
    const [known] = [randomUUID()];
    await keys.getOrCreate(em(), [known]);
    const loaded = await keys.load(em(), [randomUUID(), known]);
    expect(loaded[0]).toMatchObject({ reason: "KEY_NOT_FOUND", index: 0 });
    expect(loaded[1]).toBeInstanceOf(DataKey);
  });
});
