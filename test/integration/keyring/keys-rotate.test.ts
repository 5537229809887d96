import { createSecretKey, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EntityManager } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Orm } from "../../../db/orm.js";
import { rotateKeys } from "../../../scripts/commands/keys-rotate.js";
import { type Config, loadConfig } from "../../../shared/config.js";
import { RequestContext } from "../../../shared/context.js";
import { FieldCipher } from "../../../shared/crypto/field-cipher.js";
import { rotateKeyEncryptionKey } from "../../../shared/crypto/kek-rotation.js";
import { KEK_KEY_NAME } from "../../../shared/crypto/key-names.js";
import { SubjectKeys, wrapBinding } from "../../../shared/crypto/subject-keys.js";
import { verifyAuditChain } from "../../../shared/events/audit-log.js";
import type { Keyring } from "../../../shared/keyring/keyring.js";
import type { LocalKeyring } from "../../../shared/keyring/local-keyring.js";
import { createLogger } from "../../../shared/logger.js";
import { createTestDatabase, createTestOrm, type TestDatabase } from "../../helpers/database.js";
import { openLocalKeyring } from "./local-keyring-factory.js";

const SUBJECTS = 1200;
const BATCH = 100;
const logger = createLogger({ level: "silent" });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("trustid keys rotate", () => {
  let db: TestDatabase;
  let orm: Orm;
  let config: Config;
  let keyring: LocalKeyring;
  let keys: SubjectKeys;
  let dataDir: string;
  const masterKey = randomBytes(32).toString("base64");
  const cipher = new FieldCipher("test.rot_people", ["email"] as const);
  const emails = new Map<string, string>();

  const em = () => orm.em.fork() as EntityManager;
  const sql = <T>(query: string, params: unknown[] = []) => em().getConnection().execute<T[]>(query, params);
  const kekVersions = async () =>
    (
      await sql<{ v: number; n: string }>(
        "select kek_version as v, count(*) as n from keyring.data_keys group by 1 order by 1",
      )
    ).map((r) => [r.v, Number(r.n)]);

  /** One GraphQL-like request: read rows, then open every field through the request's loader. */
  async function readAndCheck(ids: readonly string[]): Promise<void> {
    const ctx = new RequestContext(randomUUID(), null, em(), logger);
    const rows = await sql<{ id: string; email: Buffer }>(
      "select id, email from rot_people where id = any(?::uuid[])",
      [`{${ids.join(",")}}`],
    );
    await Promise.all(
      rows.map(async (row) => {
        const key = await keys.unwrapLoader(ctx).load(row.id);
        expect(cipher.open(key, { email: row.email }).email).toBe(emails.get(row.id));
      }),
    );
  }

  const sample = (n: number) => [...emails.keys()].sort(() => Math.random() - 0.5).slice(0, n);

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: ["audit", "keyring"] });
    dataDir = mkdtempSync(join(tmpdir(), "trustid-rotate-"));
    config = loadConfig({
      NODE_ENV: "test",
      DATABASE_URL: db.url,
      TRUSTID_MASTER_KEY: masterKey,
      TRUSTID_DATA_DIR: dataDir,
    });
    orm = await createTestOrm(db.url);
    keyring = openLocalKeyring(db.url, { master: createSecretKey(Buffer.from(masterKey, "base64")) });
    keys = new SubjectKeys(keyring);
    await sql("create table rot_people (id uuid primary key, email bytea not null)");
    const ids = Array.from({ length: SUBJECTS }, () => randomUUID());
    for (let start = 0; start < ids.length; start += 400) {
      const chunk = ids.slice(start, start + 400);
      const dataKeys = await keys.getOrCreate(em(), chunk);
      for (const id of chunk) {
        const email = `person.${id.slice(0, 8)}@example.org`;
        emails.set(id, email);
        await sql("insert into rot_people values (?, ?)", [
          id,
          cipher.seal(dataKeys.get(id)!, { email }).email,
        ]);
      }
    }
  });
  afterAll(async () => {
    await keyring?.close();
    await orm?.close(true);
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("rewraps every data key in batches while reads keep working, without touching field ciphertext", async () => {
    const [before] = await sql<{ email: Buffer }>("select email from rot_people order by id limit 1");
    let rotating = true;
    let reads = 0;
    const reader = (async () => {
      while (rotating) {
        await readAndCheck(sample(40));
        reads++;
      }
    })();
    let report: Awaited<ReturnType<typeof rotateKeys>>;
    try {
      report = await rotateKeys(config, logger, {
        batchSize: BATCH,
        progress: false,
        afterBatch: () => sleep(15),
      });
    } finally {
      rotating = false;
      await reader;
    }
    expect(report).toMatchObject({
      keyName: KEK_KEY_NAME,
      fromVersion: 1,
      targetVersion: 2,
      resumed: false,
      rewrapped: SUBJECTS,
      failed: 0,
      remaining: 0,
      retired: false,
      minDecryptionVersion: 1,
    });
    expect(reads).toBeGreaterThan(3);
    expect(await kekVersions()).toEqual([[2, SUBJECTS]]);
    const [after] = await sql<{ email: Buffer }>("select email from rot_people order by id limit 1");
    expect(after!.email.equals(before!.email)).toBe(true);
    await readAndCheck(sample(200));

    const events = await sql<{ type: string; n: string }>(
      "select type, count(*) as n from audit.events group by type order by type",
    );
    expect(events.map((e) => [e.type, Number(e.n)])).toEqual([
      ["DataKeysRewrapped", SUBJECTS / BATCH],
      ["KeyRotated", 1],
    ]);
    expect((await verifyAuditChain((q) => sql(q))).ok).toBe(true);
  });

  it("resumes an interrupted rotation where it stopped instead of rotating again", async () => {
    let batches = 0;
    await expect(
      rotateKeys(config, logger, {
        batchSize: BATCH,
        progress: false,
        afterBatch: () => {
          if (++batches === 3) throw new Error("simulated crash");
        },
      }),
    ).rejects.toThrow("simulated crash");
    const [open] = await sql<{
      target_version: number;
      rewrapped: string;
      last_subject_id: string | null;
      finished_at: unknown;
    }>(
      "select target_version, rewrapped, last_subject_id, finished_at from keyring.rotations where finished_at is null",
    );
    expect(open).toMatchObject({ target_version: 3, rewrapped: "300", finished_at: null });
    expect(open!.last_subject_id).not.toBeNull();
    expect(await kekVersions()).toEqual([
      [2, SUBJECTS - 300],
      [3, 300],
    ]);
    await readAndCheck(sample(100));

    const report = await rotateKeys(config, logger, { batchSize: BATCH, progress: false });
    expect(report).toMatchObject({
      resumed: true,
      fromVersion: 2,
      targetVersion: 3,
      rewrapped: SUBJECTS,
      remaining: 0,
    });
    expect((await keyring.keyInfo(KEK_KEY_NAME)).latestVersion).toBe(3);
    expect(await kekVersions()).toEqual([[3, SUBJECTS]]);
    expect(await sql("select 1 from keyring.rotations where finished_at is null")).toHaveLength(0);
    await readAndCheck(sample(100));
  });

  it("sweeps up data keys written with the old version behind its cursor", async () => {
    const [first] = await sql<{ subject_id: string; wrapped_key: string }>(
      "select subject_id, wrapped_key from keyring.data_keys order by subject_id limit 1",
    );
    let batches = 0;
    const report = await rotateKeys(config, logger, {
      batchSize: BATCH,
      progress: false,
      afterBatch: async () => {
        // A writer that read the KEK metadata before the rotation stores a key wrapped by the old version.
        if (++batches === 2) {
          await sql("update keyring.data_keys set wrapped_key = ?, kek_version = 3 where subject_id = ?", [
            first!.wrapped_key,
            first!.subject_id,
          ]);
        }
      },
    });
    expect(report).toMatchObject({ targetVersion: 4, remaining: 0, rewrapped: SUBJECTS + 1 });
    expect(await kekVersions()).toEqual([[4, SUBJECTS]]);
  });

  it("retires old versions once nothing uses them: old wraps stop decrypting, everything stored still reads", async () => {
    const [old] = await sql<{ subject_id: string; wrapped_key: string }>(
      "select subject_id, wrapped_key from keyring.data_keys order by subject_id limit 1",
    );
    const report = await rotateKeys(config, logger, { batchSize: 500, retireOld: true, progress: false });
    expect(report).toMatchObject({ targetVersion: 5, retired: true, minDecryptionVersion: 5, remaining: 0 });
    const fresh = openLocalKeyring(db.url, { master: createSecretKey(Buffer.from(masterKey, "base64")) });
    try {
      expect(await fresh.keyInfo(KEK_KEY_NAME)).toMatchObject({
        latestVersion: 5,
        minDecryptionVersion: 5,
        versions: [5],
      });
      const [result] = await fresh.decrypt(KEK_KEY_NAME, [
        { ciphertext: old!.wrapped_key, associatedData: wrapBinding(old!.subject_id) },
      ]);
      expect(result).toMatchObject({ ok: false, error: { reason: "KEY_VERSION_RETIRED" } });
    } finally {
      await fresh.close();
    }
    await readAndCheck([...emails.keys()]);
    expect(await sql("select 1 from audit.events where type = 'KeyVersionsRetired'")).toHaveLength(1);
  });

  it("runs one rotation at a time", async () => {
    let second: Promise<unknown> | undefined;
    const report = await rotateKeys(config, logger, {
      batchSize: 600,
      progress: false,
      afterBatch: async () => {
        second ??= rotateKeys(config, logger, { progress: false }).then(
          () => "ran",
          (error: Error) => error.message,
        );
        await second;
      },
    });
    expect(await second).toMatch(/another `trustid keys rotate` is running/);
    expect(report).toMatchObject({ targetVersion: 6, remaining: 0 });
  });

  it("keeps a data key erased mid-batch erased: the rewrap never resurrects it", async () => {
    const victim = sample(1)[0]!;
    let erased = false;
    // The erasure lands between the rotation reading a page and committing its new wraps.
    const racing = new Proxy(keyring as Keyring, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "rewrap") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: Parameters<Keyring["rewrap"]>) => {
          const result = await target.rewrap(...args);
          if (!erased) {
            erased = true;
            await keys.destroy(em(), [victim], { actor: "admin-1" });
          }
          return result;
        };
      },
    });
    const report = await rotateKeyEncryptionKey(em(), new SubjectKeys(racing), { actor: "test" }, logger, {
      batchSize: SUBJECTS,
    });
    expect(erased).toBe(true);
    expect(report).toMatchObject({ rewrapped: SUBJECTS - 1, failed: 0, remaining: 0 });
    const [row] = await sql<{ wrapped_key: string | null }>(
      "select wrapped_key from keyring.data_keys where subject_id = ?",
      [victim],
    );
    expect(row!.wrapped_key).toBeNull();
    emails.delete(victim);
    await readAndCheck([...emails.keys()]);
  });
});
