import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Orm } from "../../db/orm.js";
import { type Config } from "../../shared/config.js";
import { RequestContext } from "../../shared/context.js";
import { verifyAuditChain } from "../../shared/events/audit-log.js";
import { createKeyring } from "../../shared/keyring/create-keyring.js";
import type { Keyring } from "../../shared/keyring/keyring.js";
import { createLogger } from "../../shared/logger.js";
import { IngestBatchEntity } from "../../subgraphs/identity/entities/ingest-batch.entity.js";
import { UserEntity } from "../../subgraphs/identity/entities/user.entity.js";
import { createIdentityRuntime } from "../../subgraphs/identity/index.js";
import {
  batchRequestHash,
  type IngestReport,
} from "../../subgraphs/identity/ingestion/user-ingestion.service.js";
import { createTestDatabase, createTestOrm, type TestDatabase, testConfig } from "../helpers/database.js";

const logger = createLogger({ level: "silent" });
let db: TestDatabase;
let orm: Orm;
let keyring: Keyring;
let config: Config;
let client: pg.Client;

function record(n: number) {
  return {
    externalRef: `chunk-${n}`,
    firstName: "Ada",
    lastName: "Lovelace",
    email: `ada${n}@example.org`,
    dateOfBirth: "1990-12-10",
  };
}

const context = () =>
  new RequestContext(
    `req-${randomBytes(4).toString("hex")}`,
    { subject: "backend-a", roles: ["ingestor"] },
    orm.em.fork(),
    logger,
  );
const count = async (sql: string, params: unknown[] = []) =>
  Number((await client.query(sql, params)).rows[0].n);

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  orm = await createTestOrm(db.url, [UserEntity, IngestBatchEntity]);
  keyring = await createKeyring(config, { databaseUrl: db.url, logger });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await keyring?.close();
  await orm?.close();
  await db?.drop();
});

describe("ingestion in chunks", () => {
  it("a crash between chunks leaves whole chunks only, and a retry with the same key completes the batch", async () => {
    let crash = true;
    const runtime = createIdentityRuntime(
      { config, orm, keyring },
      {
        chunkSize: 10,
        afterChunk: (chunk) => {
          if (crash && chunk === 1) throw new Error("simulated crash after chunk 1");
        },
      },
    );
    const batch = Array.from({ length: 35 }, (_, i) => record(i));
    await expect(runtime.ingestion.ingest(context(), batch, "crash-key")).rejects.toThrow("simulated crash");
    expect(await count("select count(*) as n from identity.users")).toBe(20);
    const [row] = (await client.query("select state, chunks_done, lease_until from identity.ingest_batches"))
      .rows;
    expect(row).toMatchObject({ state: "IN_PROGRESS", chunks_done: 2, lease_until: null });

    crash = false;
    const report = await runtime.ingestion.ingest(context(), batch, "crash-key");
    expect(report).toMatchObject({ received: 35, created: 35, rejected: 0, replayed: false });
    expect(report.results.map((r) => r.index)).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(await count("select count(*) as n from identity.users")).toBe(35);
    expect(await count("select count(*) as n from audit.events where type = 'UserIngested'")).toBe(35);
    expect(await count("select count(*) as n from audit.events where type = 'UserBatchIngested'")).toBe(1);

    const replay = await runtime.ingestion.ingest(context(), batch, "crash-key");
    expect(replay).toEqual({ ...report, replayed: true });
  });

  it("the last chunk completes the batch in its own transaction, and an empty batch completes on its own", async () => {
    const crashing = createIdentityRuntime(
      { config, orm, keyring },
      {
        chunkSize: 5,
        afterChunk: (chunk) => {
          if (chunk === 1) throw new Error("simulated crash after the last chunk");
        },
      },
    );
    const batch = Array.from({ length: 8 }, (_, i) => record(400 + i));
    await expect(crashing.ingestion.ingest(context(), batch, "last-key")).rejects.toThrow("simulated crash");
    // The crash came after the last chunk committed, and that commit completed the batch: a retry is a replay.
    const [row] = (
      await client.query(
        "select id, state, chunks_done, lease_until from identity.ingest_batches where idempotency_key = 'last-key'",
      )
    ).rows;
    expect(row).toMatchObject({ state: "COMPLETED", chunks_done: 2, lease_until: null });
    expect(
      await count(
        "select count(*) as n from audit.events where type = 'UserBatchIngested' and subject_id = $1",
        [row.id],
      ),
    ).toBe(1);
    const runtime = createIdentityRuntime({ config, orm, keyring });
    expect(await runtime.ingestion.ingest(context(), batch, "last-key")).toMatchObject({
      received: 8,
      created: 8,
      replayed: true,
    });

    const empty = await runtime.ingestion.ingest(context(), [], "empty-key");
    expect(empty).toMatchObject({ received: 0, created: 0, rejected: 0, replayed: false });
    expect(await runtime.ingestion.ingest(context(), [], "empty-key")).toEqual({ ...empty, replayed: true });
    expect(
      await count(
        "select count(*) as n from audit.events where type = 'UserBatchIngested' and subject_id = $1",
        [empty.batchId],
      ),
    ).toBe(1);
  });

  it("a live holder's batch is not taken over: a retry waits, then gets CONFLICT; after the lease lapses it resumes", async () => {
    const runtime = createIdentityRuntime({ config, orm, keyring }, { chunkSize: 5, waitForHolderMs: 200 });
    const batch = Array.from({ length: 12 }, (_, i) => record(100 + i));
    // A holder that crashed hard: its lease still runs, nothing of its batch was written yet.
    await client.query(
      `insert into identity.ingest_batches (id, actor, idempotency_key, request_hash, state, received, chunks_done, results, lease_until, created_at)
       values (gen_random_uuid(), 'backend-a', 'held-key', $1, 'IN_PROGRESS', 12, 0, '[]', now() + interval '1 hour', now())`,
      [batchRequestHash(batch)],
    );
    await expect(runtime.ingestion.ingest(context(), batch, "held-key")).rejects.toMatchObject({
      code: "CONFLICT",
      reason: "BATCH_IN_PROGRESS",
    });
    await client.query(
      "update identity.ingest_batches set lease_until = now() - interval '1 second' where idempotency_key = 'held-key'",
    );
    const report = await runtime.ingestion.ingest(context(), batch, "held-key");
    expect(report.created).toBe(12);
  });

  it("a holder that stalled past its lease cannot write after a retry took the batch over (fenced by its lease token)", async () => {
    const batch = Array.from({ length: 12 }, (_, i) => record(300 + i));
    let retried: IngestReport | undefined;
    const stalled = createIdentityRuntime(
      { config, orm, keyring },
      {
        chunkSize: 5,
        // After its first chunk the holder "stalls": its lease lapses and a retry takes the batch over and
        // finishes it before the holder wakes up.
        afterChunk: async (chunk) => {
          if (chunk !== 0 || retried) return;
          await client.query(
            "update identity.ingest_batches set lease_until = now() - interval '1 second' where idempotency_key = 'stall-key'",
          );
          const retry = createIdentityRuntime({ config, orm, keyring }, { chunkSize: 5 });
          retried = await retry.ingestion.ingest(context(), batch, "stall-key");
        },
      },
    );
    await expect(stalled.ingestion.ingest(context(), batch, "stall-key")).rejects.toMatchObject({
      code: "CONFLICT",
      reason: "BATCH_TAKEN_OVER",
    });
    expect(retried).toMatchObject({ received: 12, created: 12, rejected: 0, replayed: false });
    const { rows } = await client.query(
      "select id, state, chunks_done, jsonb_array_length(results) as n from identity.ingest_batches where idempotency_key = 'stall-key'",
    );
    expect(rows[0]).toMatchObject({ state: "COMPLETED", chunks_done: 3, n: 12 });
    expect(
      await count(
        "select count(*) as n from audit.events where type = 'UserBatchIngested' and subject_id = $1",
        [rows[0].id],
      ),
    ).toBe(1);
    expect(await count("select count(*) as n from identity.users where external_ref like 'chunk-3__'")).toBe(
      12,
    );
    const replay = await createIdentityRuntime({ config, orm, keyring }).ingestion.ingest(
      context(),
      batch,
      "stall-key",
    );
    expect(replay).toEqual({ ...retried, replayed: true });
  });

  it("close() refuses new batches, and stops a batch still running after the grace period at its next chunk", async () => {
    let releaseChunk: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      releaseChunk = resolve;
    });
    let chunkDone: () => void = () => {};
    const firstChunkDone = new Promise<void>((resolve) => {
      chunkDone = resolve;
    });
    const runtime = createIdentityRuntime(
      { config: { ...config, shutdownGraceMs: 50 }, orm, keyring },
      {
        chunkSize: 10,
        // The batch holds after its first chunk until the test lets it go: it outlives the grace period.
        afterChunk: async (chunk) => {
          if (chunk !== 0) return;
          chunkDone();
          await held;
        },
      },
    );
    const batch = Array.from({ length: 30 }, (_, i) => record(700 + i));
    const running = runtime.ingestion.ingest(context(), batch, "stop-key");
    running.catch(() => {});
    await firstChunkDone;
    const closed = runtime.close();
    await expect(runtime.ingestion.ingest(context(), [record(799)], "after-close-key")).rejects.toMatchObject(
      {
        code: "SERVICE_UNAVAILABLE",
        reason: "SHUTTING_DOWN",
      },
    );
    // Past the grace period the stop is requested; the batch sees it at its next chunk boundary.
    await new Promise((r) => setTimeout(r, 100));
    releaseChunk();
    await expect(running).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE", reason: "SHUTTING_DOWN" });
    await closed;
    const [row] = (
      await client.query(
        "select state, chunks_done, lease_until from identity.ingest_batches where idempotency_key = 'stop-key'",
      )
    ).rows;
    expect(row).toMatchObject({ state: "IN_PROGRESS", chunks_done: 1, lease_until: null });
    expect(await count("select count(*) as n from identity.users where external_ref like 'chunk-7__'")).toBe(
      10,
    );
    expect(
      await count(
        "select count(*) as n from identity.ingest_batches where idempotency_key = 'after-close-key'",
      ),
    ).toBe(0);

    // Another instance resumes the batch at once.
    const next = createIdentityRuntime({ config, orm, keyring }, { chunkSize: 10 });
    expect(await next.ingestion.ingest(context(), batch, "stop-key")).toMatchObject({
      received: 30,
      created: 30,
      replayed: false,
    });
    expect(await count("select count(*) as n from identity.users where external_ref like 'chunk-7__'")).toBe(
      30,
    );
  });

  it("keys are scoped per caller: another backend's identical key is its own batch", async () => {
    const runtime = createIdentityRuntime({ config, orm, keyring });
    const other = new RequestContext(
      "req-b",
      { subject: "backend-b", roles: ["ingestor"] },
      orm.em.fork(),
      logger,
    );
    const report = await runtime.ingestion.ingest(other, [record(200)], "crash-key");
    expect(report).toMatchObject({ created: 1, replayed: false });
  });

  it("leaves an audit chain that verifies", async () => {
    const report = await verifyAuditChain(async (sql) => (await client.query(sql)).rows);
    expect(report.ok).toBe(true);
    expect(report.checked).toBeGreaterThan(40);
    await expect(client.query("update audit.events set subject_id = 'x'")).rejects.toThrow(/append-only/);
    await expect(client.query("delete from audit.events")).rejects.toThrow(/append-only/);
    // Someone with the power to switch the trigger off edits a line: the chain still gives it away.
    await client.query("alter table audit.events disable trigger events_append_only");
    await client.query(
      "update audit.events set subject_id = 'tampered' where seq = (select min(seq) + 3 from audit.events)",
    );
    await client.query("alter table audit.events enable trigger events_append_only");
    const broken = await verifyAuditChain(async (sql) => (await client.query(sql)).rows);
    expect(broken.ok).toBe(false);
  });
});
