import pg from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Orm } from "../../db/orm.js";
import type { Config } from "../../shared/config.js";
import { RequestContext } from "../../shared/context.js";
import { TrustIdError } from "../../shared/errors.js";
import { verifyAuditChain } from "../../shared/events/audit-log.js";
import { createKeyring } from "../../shared/keyring/create-keyring.js";
import type { Keyring } from "../../shared/keyring/keyring.js";
import { createLogger, type Logger } from "../../shared/logger.js";
import { IngestBatchEntity } from "../../subgraphs/identity/entities/ingest-batch.entity.js";
import { UserEntity } from "../../subgraphs/identity/entities/user.entity.js";
import { createIdentityRuntime, type IdentityRuntime } from "../../subgraphs/identity/index.js";
import { IngestMetrics } from "../../subgraphs/identity/ingestion/ingest-metrics.js";
import { IngestWorkerPool } from "../../subgraphs/identity/ingestion/ingest-worker-pool.js";
import { batchRequestHash } from "../../subgraphs/identity/ingestion/user-ingestion.service.js";
import { createTestDatabase, createTestOrm, type TestDatabase, testConfig } from "../helpers/database.js";
import { LogCapture } from "../helpers/stack.js";

let db: TestDatabase;
let orm: Orm;
let keyring: Keyring;
let config: Config;
let client: pg.Client;
let logs: LogCapture;
let logger: Logger;
let pooled: IdentityRuntime;
let inProcess: IdentityRuntime;

/** A mix of good and bad records; `tag` keeps externalRefs (and emails) apart between runs. */
function mixedBatch(tag: string) {
  return [
    {
      externalRef: `${tag}-1`,
      firstName: "josé",
      lastName: "ALVAREZ",
      email: `jose@${tag}.example`,
      dateOfBirth: "1980-02-29",
    },
    {
      externalRef: `${tag}-2`,
      firstName: "Ada1",
      lastName: "Lovelace",
      email: "not-an-email",
      dateOfBirth: "1815-12-10",
    },
    {
      externalRef: `${tag}-3`,
      firstName: "Grace",
      lastName: "Hopper",
      email: `grace@${tag}.example`,
      dateOfBirth: "2999-01-01",
    },
    {
      externalRef: `${tag}-1`,
      firstName: "Dup",
      lastName: "Licate",
      email: `dup@${tag}.example`,
      dateOfBirth: "1990-01-01",
    },
    {
      externalRef: `${tag}-4`,
      firstName: "Siobhán",
      lastName: "O'Brien-Smith",
      email: `siobhan@${tag}.example`,
      dateOfBirth: "1991-07-04",
      phoneNumber: "+44 20 7946 0958",
    },
    {
      externalRef: `${tag}-5`,
      firstName: "Bad",
      lastName: "Phone",
      email: `p@${tag}.example`,
      dateOfBirth: "1991-07-04",
      phoneNumber: "12",
    },
  ];
}

/** `n` valid records whose externalRefs and emails carry `tag`. */
const adas = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    externalRef: `${tag}-${i}`,
    firstName: "Ada",
    lastName: "Lovelace",
    email: `ada.${i}@${tag}.example`,
    dateOfBirth: "1990-12-10",
  }));

const context = (requestId: string, subject = "backend-pool") =>
  new RequestContext(requestId, { subject, roles: ["ingestor"] }, orm.em.fork(), logger);
const count = async (sql: string) => Number((await client.query(sql)).rows[0].n);
/** Waits until the batch under `key` has committed its first chunk (a batch under way, on any machine). */
async function waitForBatch(key: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await client.query(
      "select chunks_done from identity.ingest_batches where idempotency_key = $1 and chunks_done > 0",
      [key],
    );
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`batch ${key} did not start within ${timeoutMs} ms`);
}
/** What a report says of each record, without the ids that differ between runs. */
const outcomes = (report: {
  results: Array<{ status: string; errors: Array<{ field: string; code: string }> }>;
}) => report.results.map((r) => ({ status: r.status, errors: r.errors.map((e) => `${e.field}:${e.code}`) }));

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url, { TRUSTID_INGEST_WORKERS: "2", TRUSTID_LOG_LEVEL: "debug" });
  logs = new LogCapture();
  logger = createLogger({ level: "debug", destination: logs.stream }).child({ service: "identity" });
  orm = await createTestOrm(db.url, [UserEntity, IngestBatchEntity]);
  keyring = await createKeyring(config, { databaseUrl: db.url, logger });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  pooled = createIdentityRuntime({ config, orm, keyring, workers: { databaseUrl: db.url, logger } });
  inProcess = createIdentityRuntime({ config, orm, keyring });
});

afterAll(async () => {
  await pooled?.close();
  await client?.end();
  await keyring?.close();
  await orm?.close();
  await db?.drop();
});

describe("ingestion on worker threads", () => {
  it("runs on the configured threads when given a database and logger, and on the calling thread otherwise", () => {
    expect(pooled.ingestion).toBeInstanceOf(IngestWorkerPool);
    expect((pooled.ingestion as IngestWorkerPool).threads).toBe(2);
    expect(inProcess.ingestion).not.toBeInstanceOf(IngestWorkerPool);
  });

  it("reports every record exactly as the in-process service does, and writes the same rows", async () => {
    const viaPool = await pooled.ingestion.ingest(context("req-pool-1"), mixedBatch("pool"), "mixed-1");
    const direct = await inProcess.ingestion.ingest(context("req-direct-1"), mixedBatch("direct"), "mixed-2");
    expect(outcomes(viaPool)).toEqual(outcomes(direct));
    expect(outcomes(viaPool).map((o) => o.status)).toEqual([
      "CREATED",
      "REJECTED",
      "REJECTED",
      "REJECTED",
      "CREATED",
      "REJECTED",
    ]);
    expect(viaPool).toMatchObject({ received: 6, created: 2, rejected: 4, replayed: false });
    expect(await count("select count(*) as n from identity.users where external_ref like 'pool-%'")).toBe(2);
    expect(await count("select count(*) as n from identity.users where external_ref like 'direct-%'")).toBe(
      2,
    );

    // Read back through the in-process protector: what a worker sealed opens on the service's thread.
    const { rows } = await client.query(
      "select id, first_name_ct from identity.users where external_ref = 'pool-4'",
    );
    const opened = await inProcess.protector.open(
      context("req-read"),
      rows[0].id,
      "firstName",
      rows[0].first_name_ct,
    );
    expect(opened).toBe("Siobhán");
  });

  it("replays a finished batch and keeps domain errors whole across the thread boundary", async () => {
    const first = await pooled.ingestion.ingest(context("req-pool-2"), mixedBatch("replay"), "replay-key");
    const replay = await pooled.ingestion.ingest(context("req-pool-3"), mixedBatch("replay"), "replay-key");
    expect(replay).toEqual({ ...first, replayed: true });

    const reused = pooled.ingestion.ingest(context("req-pool-4"), mixedBatch("other"), "replay-key");
    await expect(reused).rejects.toBeInstanceOf(TrustIdError);
    await expect(reused).rejects.toMatchObject({ code: "CONFLICT", reason: "IDEMPOTENCY_KEY_REUSED" });

    const tooLarge = Array.from({ length: config.ingest.maxBatch + 1 }, () => ({}));
    await expect(pooled.ingestion.ingest(context("req-pool-5"), tooLarge, null)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "BATCH_TOO_LARGE",
    });
  });

  it("batches on parallel threads keep one unbroken audit chain, and concurrent retries of one key write once", async () => {
    const big = (tag: string) => adas(tag, 400);
    const reports = await Promise.all([
      pooled.ingestion.ingest(context("req-par-a"), big("par-a"), "par-a"),
      pooled.ingestion.ingest(context("req-par-b"), big("par-b"), "par-b"),
      pooled.ingestion.ingest(context("req-par-c"), big("par-c"), "par-c"),
      pooled.ingestion.ingest(context("req-par-c2"), big("par-c"), "par-c"),
    ]);
    expect(reports.map((r) => r.created)).toEqual([400, 400, 400, 400]);
    expect(reports.filter((r) => r.replayed)).toHaveLength(1);
    expect(await count("select count(*) as n from identity.users where external_ref like 'par-c-%'")).toBe(
      400,
    );
    const chain = await verifyAuditChain(async (sql) => (await client.query(sql)).rows);
    expect(chain.ok).toBe(true);
    expect(chain.checked).toBe(await count("select count(*) as n from audit.events"));
  });

  it("relays the workers' log lines to the service's logger, with no personal value in them", async () => {
    const batch = mixedBatch("resume");
    // A holder that died before writing anything: its lease has lapsed, so the worker takes the batch over
    // and says so in its log.
    await client.query(
      `insert into identity.ingest_batches (id, actor, idempotency_key, request_hash, state, received, chunks_done, results, lease_until, created_at)
       values (gen_random_uuid(), 'backend-pool', 'resume-key', $1, 'IN_PROGRESS', 6, 0, '[]', null, now())`,
      [batchRequestHash(batch)],
    );
    const report = await pooled.ingestion.ingest(context("req-resume"), batch, "resume-key");
    expect(report.created).toBe(2);
    const resumed = logs.records().find((r) => r.msg === "resuming ingest batch");
    expect(resumed).toMatchObject({ thread: "ingest", service: "identity", requestId: "req-resume" });
    const sent = [mixedBatch("pool"), mixedBatch("replay"), batch].flat();
    const personal = sent
      .flatMap((r) => [r.firstName, r.lastName, r.email, r.phoneNumber ?? ""])
      .filter((v) => v.length > 3);
    expect(logs.leaked(personal)).toEqual([]);
  });

  it("pushes back with SERVICE_UNAVAILABLE (INGEST_BUSY) once its queue is full, and reports its load as metrics", async () => {
    const registry = new Registry();
    const busy = new IngestWorkerPool({
      config,
      databaseUrl: db.url,
      threads: 1,
      maxQueued: 1,
      logger,
      metrics: new IngestMetrics(registry),
    });
    try {
      await busy.warm();
      const batch = (n: number) => adas(`busy-${n}`, 300);
      // One thread runs two batches at a time and one more may wait: of six sent at once, some are refused.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, n) => busy.ingest(context(`req-busy-${n}`), batch(n), `busy-${n}`)),
      );
      const refused = outcomes.filter((o) => o.status === "rejected");
      const done = outcomes.filter((o) => o.status === "fulfilled");
      expect(refused.length).toBeGreaterThan(0);
      expect(done.length).toBeGreaterThanOrEqual(2);
      for (const r of refused) {
        expect((r as PromiseRejectedResult).reason).toMatchObject({
          code: "SERVICE_UNAVAILABLE",
          reason: "INGEST_BUSY",
        });
      }
      // A refused batch wrote nothing; the accepted ones wrote everything.
      expect(await count("select count(*) as n from identity.users where external_ref like 'busy-%'")).toBe(
        done.length * 300,
      );
      const text = await registry.metrics();
      expect(text).toMatch(/^trustid_ingest_threads 1$/m);
      expect(text).toMatch(/^trustid_ingest_queued_batches 0$/m);
      expect(text).toMatch(/^trustid_ingest_thread_utilization [0-9.e-]+$/m);
      expect(text).toMatch(/^trustid_ingest_records_total\{status="CREATED"\} \d+$/m);
    } finally {
      await busy.close();
    }
  });

  it("a shutdown lets running batches finish within the grace period, and refuses new ones meanwhile", async () => {
    const patient: Config = { ...config, shutdownGraceMs: 30_000 };
    const pool = new IngestWorkerPool({ config: patient, databaseUrl: db.url, threads: 1, logger });
    await pool.warm();
    const running = pool.ingest(context("req-drain-1"), adas("drain", 3_000), "drain-key");
    await waitForBatch("drain-key");
    const closed = pool.close();
    // Once the shutdown has begun, a new batch is refused at once, before anything is written.
    await expect(pool.ingest(context("req-drain-2"), adas("late", 10), "late-key")).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      reason: "SHUTTING_DOWN",
    });
    await expect(running).resolves.toMatchObject({ received: 3_000, created: 3_000, replayed: false });
    await closed;
    expect(await count("select count(*) as n from identity.users where external_ref like 'drain-%'")).toBe(
      3_000,
    );
    expect(await count("select count(*) as n from identity.users where external_ref like 'late-%'")).toBe(0);
    expect(
      await count("select count(*) as n from identity.ingest_batches where idempotency_key = 'late-key'"),
    ).toBe(0);
  }, 60_000);

  it("a shutdown that runs out of grace stops the batch at a chunk boundary, gives the lease back, and the retry completes", async () => {
    // The same keyring (master key) as the rest of the file, with a short grace period and room for a big batch.
    const impatient: Config = {
      ...config,
      shutdownGraceMs: 150,
      ingest: { ...config.ingest, workers: 1, maxBatch: 20_000 },
    };
    const big = adas("cut", 20_000);
    const first = new IngestWorkerPool({ config: impatient, databaseUrl: db.url, threads: 1, logger });
    await first.warm();
    const running = first.ingest(context("req-cut-1"), big, "cut-key");
    running.catch(() => {});
    // However slow the machine, the shutdown begins once the batch is under way.
    await waitForBatch("cut-key");
    await first.close();
    await expect(running).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE", reason: "SHUTTING_DOWN" });
    const { rows } = await client.query(
      "select state, lease_until, chunks_done from identity.ingest_batches where idempotency_key = 'cut-key'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "IN_PROGRESS", lease_until: null });
    // Whole chunks only: the users written are exactly the chunks the batch records as done.
    const written = await count("select count(*) as n from identity.users where external_ref like 'cut-%'");
    expect(written).toBe(rows[0].chunks_done * config.ingest.chunkSize);
    expect(written).toBeLessThan(20_000);

    // The retry takes the batch over at once (a held lease would answer BATCH_IN_PROGRESS after 5 s).
    const second = new IngestWorkerPool({ config: impatient, databaseUrl: db.url, threads: 1, logger });
    try {
      const retried = Date.now();
      const report = await second.ingest(context("req-cut-2"), big, "cut-key");
      expect(Date.now() - retried).toBeLessThan(30_000);
      expect(report).toMatchObject({ received: 20_000, rejected: 0, replayed: false });
      expect(report.created).toBe(20_000);
    } finally {
      await second.close();
    }
    expect(await count("select count(*) as n from identity.users where external_ref like 'cut-%'")).toBe(
      20_000,
    );
    const chain = await verifyAuditChain(async (sql) => (await client.query(sql)).rows);
    expect(chain.ok).toBe(true);
  }, 60_000);
});
