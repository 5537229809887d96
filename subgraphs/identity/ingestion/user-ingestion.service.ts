import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { EntityManager } from "@mikro-orm/postgresql";
import { v7 as uuidv7 } from "uuid";
import { sql } from "../../../db/sql.js";
import type { Config } from "../../../shared/config.js";
import type { RequestContext } from "../../../shared/context.js";
import { BadUserInputError, ConflictError, ServiceUnavailableError } from "../../../shared/errors.js";
import { type AuditEventInput, appendAuditEvents, canonicalJson } from "../../../shared/events/audit-log.js";
import { IngestStatus } from "../../../shared/graphql/ingest.types.js";
import { InFlight } from "../../../shared/in-flight.js";
import { type FieldError, FieldErrorCodes } from "../../../shared/validation/field-error.js";
import { IngestBatchState } from "../entities/ingest-batch.entity.js";
import { UserStatus } from "../entities/user.entity.js";
import type { PersonalDataProtector } from "../personal-data.js";
import {
  type CleanVerifiedUser,
  type CountryCode,
  cleanVerifiedUser,
  normaliseEmailForIndex,
} from "../validation/index.js";
import type { IngestMetrics } from "./ingest-metrics.js";

/** What a batch remembers of each record: ids and codes, never values (it is replayed and kept). */
export interface StoredResult {
  index: number;
  externalRef: string | null;
  status: IngestStatus;
  userId: string | null;
  errors: FieldError[];
}

export interface IngestReport {
  batchId: string;
  received: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  replayed: boolean;
  results: StoredResult[];
}

/** The service's options as configured (`TRUSTID_INGEST_*`), on the service's thread and on ingest threads. */
export function ingestionOptions(config: Config): UserIngestionOptions {
  return {
    maxBatch: config.ingest.maxBatch,
    chunkSize: config.ingest.chunkSize,
    defaultRegion: config.ingest.defaultPhoneRegion as CountryCode,
    maxAgeYears: config.ingest.maxAgeYears,
    shutdownGraceMs: config.shutdownGraceMs,
  };
}

/** After a shutdown's grace period, how long running batches get to reach their next chunk boundary. */
export const STOP_MS = 5_000;

export interface UserIngestionOptions {
  maxBatch: number;
  chunkSize: number;
  defaultRegion: CountryCode;
  maxAgeYears: number;
  /** How long a batch's holder may go silent before a retry takes it over (a crashed holder never returns). */
  leaseMs?: number;
  /** How long a retry waits for a concurrent holder of the same key to finish before answering CONFLICT. */
  waitForHolderMs?: number;
  /** Where batch outcomes are counted (the service's /metrics); none in CLI runs. */
  metrics?: IngestMetrics;
  /** How long `close()` lets running batches finish before stopping them at their next chunk boundary. */
  shutdownGraceMs?: number;
  /**
   * Aborted when the service shuts down past its grace period: a running batch stops at its next chunk boundary
   * (what it wrote stays, whole chunks only) and gives its lease back, so a retry resumes at once.
   */
  stopSignal?: AbortSignal;
  /** Test seam: runs after each chunk commits (a throw here is a crash between chunks). */
  afterChunk?: (chunkIndex: number) => void | Promise<void>;
}

interface BatchRow {
  id: string;
  state: IngestBatchState;
  request_hash: string;
  chunks_done: number;
  results: StoredResult[];
}

interface ExistingUser {
  id: string;
  external_ref: string;
  status: UserStatus;
  record_hash: string | null;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,256}$/;

/** `ingestVerifiedUsers` behind the resolver: on the service's thread or on worker threads. */
export interface UserIngestion {
  ingest(
    ctx: RequestContext,
    batch: readonly unknown[],
    idempotencyKey?: string | null,
  ): Promise<IngestReport>;
  close?(): Promise<void>;
}

/**
 * Gives back a lease `holder` holds, so a retry with the key resumes at once instead of waiting out the lease:
 * after the holder failed and stopped, or its thread died (and with its connections its open transaction, which
 * PostgreSQL rolls back). A lease another call has taken over since is left alone.
 */
export async function releaseBatchLease(
  em: EntityManager,
  batch: { id: string; holder: string } | { actor: string; idempotencyKey: string; holder: string },
): Promise<void> {
  const [where, params] =
    "id" in batch
      ? ["id = ?", [batch.id]]
      : ["actor = ? and idempotency_key = ?", [batch.actor, batch.idempotencyKey]];
  await em.getConnection().execute(
    `update identity.ingest_batches set lease_until = null
        where ${where} and lease_holder = ? and state = 'IN_PROGRESS'`,
    [...params, batch.holder],
  );
}

/** The refusal of a batch the service will not start or finish because it is shutting down: retryable. */
export function shuttingDown(): ServiceUnavailableError {
  return new ServiceUnavailableError(
    "ingestion is shutting down: retry the batch with the same idempotencyKey",
    "SHUTTING_DOWN",
  );
}

/** What is refused before any work is done (and before a worker copies a record). */
export function checkBatchRequest(
  batch: readonly unknown[],
  idempotencyKey: string | null | undefined,
  maxBatch: number,
): void {
  if (batch.length > maxBatch) {
    throw new BadUserInputError(
      `batch has ${batch.length} records; the limit is ${maxBatch}`,
      "BATCH_TOO_LARGE",
    );
  }
  if (idempotencyKey != null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new BadUserInputError(
      "idempotencyKey must be 1 to 256 printable ASCII characters",
      "INVALID_IDEMPOTENCY_KEY",
    );
  }
}

/** A record after cleaning: either clean, or already rejected with its result. */
interface CleanedRecord {
  index: number;
  clean?: CleanVerifiedUser;
  result?: StoredResult;
}

/**
 * `ingestVerifiedUsers`: validate and clean every record, then write in chunks, each chunk one transaction with
 * its audit events and the batch's progress, so a crash leaves whole chunks and a retry with the same key
 * resumes after the last one. Personal values are sealed before they reach SQL.
 */
export class UserIngestionService implements UserIngestion {
  private readonly leaseMs: number;
  private readonly waitForHolderMs: number;
  private readonly running = new InFlight();
  private readonly stopping = new AbortController();
  private closing = false;

  constructor(
    private readonly protector: PersonalDataProtector,
    private readonly options: UserIngestionOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.waitForHolderMs = options.waitForHolderMs ?? 5_000;
  }

  /**
   * `holder` is the lease token this call writes under (a fresh one by default); the owner of an ingest thread
   * passes its own, so it can give the lease back if the thread dies.
   */
  ingest(
    ctx: RequestContext,
    batch: readonly unknown[],
    idempotencyKey?: string | null,
    holder: string = randomUUID(),
  ): Promise<IngestReport> {
    if (this.closing) return Promise.reject(shuttingDown());
    return this.running.track(this.ingestBatch(ctx, batch, idempotencyKey, holder));
  }

  /**
   * Refuses new batches, lets running ones finish within the grace period, then stops them at their next chunk
   * boundary (their leases given back, their callers told SHUTTING_DOWN) and waits for that, up to `STOP_MS`.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.running.drain(this.options.shutdownGraceMs ?? 0, () => this.stopping.abort(), STOP_MS);
  }

  private stopRequested(): boolean {
    return this.stopping.signal.aborted || this.options.stopSignal?.aborted === true;
  }

  private async ingestBatch(
    ctx: RequestContext,
    batch: readonly unknown[],
    idempotencyKey: string | null | undefined,
    holder: string,
  ): Promise<IngestReport> {
    checkBatchRequest(batch, idempotencyKey, this.options.maxBatch);
    if (this.stopRequested()) throw shuttingDown();
    const started = performance.now();
    const requestHash = batchRequestHash(batch);
    const claimed = await this.claimBatch(ctx, requestHash, batch.length, idempotencyKey ?? null, holder);
    if (claimed.replay) {
      this.options.metrics?.observe(claimed.replay, (performance.now() - started) / 1000);
      return claimed.replay;
    }

    const batchRow = claimed.row;
    try {
      const cleaned = this.cleanAll(batch);
      const chunkSize = this.options.chunkSize;
      const chunks = Math.ceil(batch.length / chunkSize);
      const results: StoredResult[] = [...batchRow.results];
      const lease = { id: batchRow.id, holder };
      for (let c = batchRow.chunks_done; c < chunks; c++) {
        if (this.stopRequested()) throw shuttingDown();
        const from = c * chunkSize;
        // The last chunk also completes the batch, in its own transaction (one commit less per batch).
        const chunkResults = await this.writeChunkWithRetry(ctx, {
          lease,
          index: c,
          records: cleaned.slice(from, from + chunkSize),
          completeAfter: c === chunks - 1 ? results : undefined,
        });
        results.push(...chunkResults);
        await this.options.afterChunk?.(c);
      }
      const report = summarise(batchRow.id, results, false);
      // An empty batch, or one whose chunks were all written by a holder that stopped before completing it.
      if (batchRow.chunks_done >= chunks) await this.completeBatch(ctx, lease, report);
      this.options.metrics?.observe(report, (performance.now() - started) / 1000);
      return report;
    } catch (error) {
      await releaseBatchLease(ctx.em, { id: batchRow.id, holder }).catch(() => {});
      throw error;
    }
  }

  /** A replayable completed report, or the batch row this request now holds the lease on. */
  private async claimBatch(
    ctx: RequestContext,
    requestHash: string,
    received: number,
    key: string | null,
    holder: string,
  ): Promise<{ replay?: IngestReport; row: BatchRow }> {
    const conn = ctx.em.getConnection();
    const id = uuidv7();
    const inserted = await conn.execute<BatchRow[]>(
      `insert into identity.ingest_batches (id, actor, idempotency_key, request_hash, state, received, chunks_done, results, lease_until, lease_holder, created_at)
       values (?, ?, ?, ?, 'IN_PROGRESS', ?, 0, '[]'::jsonb, now() + (? || ' milliseconds')::interval, ?, now())
       on conflict (actor, idempotency_key) do nothing
       returning id, state, request_hash, chunks_done, results`,
      [id, ctx.actor, key, requestHash, received, String(this.leaseMs), holder],
    );
    if (inserted[0]) return { row: inserted[0] };

    const deadline = Date.now() + this.waitForHolderMs;
    for (;;) {
      const [existing] = await conn.execute<BatchRow[]>(
        "select id, state, request_hash, chunks_done, results from identity.ingest_batches where actor = ? and idempotency_key = ?",
        [ctx.actor, key],
      );
      if (!existing) throw new ConflictError("the idempotency key's batch vanished; retry", "BATCH_VANISHED");
      if (existing.request_hash !== requestHash) {
        throw new ConflictError(
          "idempotencyKey was already used for a different batch",
          "IDEMPOTENCY_KEY_REUSED",
        );
      }
      if (existing.state === IngestBatchState.COMPLETED) {
        return { replay: summarise(existing.id, existing.results, true), row: existing };
      }
      // In progress: take it over only if its holder's lease ran out (the holder crashed or gave it back).
      const [taken] = await conn.execute<BatchRow[]>(
        `update identity.ingest_batches set lease_until = now() + (? || ' milliseconds')::interval, lease_holder = ?
          where id = ? and state = 'IN_PROGRESS' and (lease_until is null or lease_until < now())
          returning id, state, request_hash, chunks_done, results`,
        [String(this.leaseMs), holder, existing.id],
      );
      if (taken) {
        ctx.logger.info({ batchId: taken.id, chunksDone: taken.chunks_done }, "resuming ingest batch");
        return { row: taken };
      }
      if (this.stopRequested()) throw shuttingDown();
      if (Date.now() >= deadline) {
        throw new ConflictError(
          "a batch with this idempotencyKey is still in progress; retry later",
          "BATCH_IN_PROGRESS",
        );
      }
      await sleep(100);
    }
  }

  private cleanAll(batch: readonly unknown[]): CleanedRecord[] {
    const today = new Date();
    const seen = new Set<string>();
    return batch.map((input, index) => {
      const cleaned = cleanVerifiedUser(input, {
        today,
        defaultRegion: this.options.defaultRegion,
        maxAgeYears: this.options.maxAgeYears,
      });
      const rawRef = (input as { externalRef?: unknown } | null)?.externalRef;
      if (!cleaned.ok) {
        return {
          index,
          result: rejected(
            index,
            typeof rawRef === "string" ? rawRef.trim().slice(0, 128) : null,
            cleaned.errors,
          ),
        };
      }
      const ref = cleaned.value.externalRef;
      if (seen.has(ref)) {
        return {
          index,
          result: rejected(index, ref, [
            { field: "externalRef", code: "DUPLICATE_IN_BATCH", message: FieldErrorCodes.DUPLICATE_IN_BATCH },
          ]),
        };
      }
      seen.add(ref);
      return { index, clean: cleaned.value };
    });
  }

  private async writeChunkWithRetry(ctx: RequestContext, chunk: Chunk): Promise<StoredResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeChunk(ctx, chunk);
      } catch (error) {
        if (!(error instanceof ConcurrentInsertError) || attempt >= 3) throw error;
        ctx.logger.warn(
          { batchId: chunk.lease.id, chunkIndex: chunk.index, attempt },
          "concurrent insert of the same externalRef; redoing the chunk",
        );
      }
    }
  }

  /**
   * One chunk, one transaction: rows, audit events and the batch's progress commit together or not at all. With
   * `completeAfter` (the results of the chunks before it) it is the last chunk, and the same transaction
   * completes the batch.
   */
  private async writeChunk(ctx: RequestContext, chunk: Chunk): Promise<StoredResult[]> {
    const { lease, index: chunkIndex, records, completeAfter } = chunk;
    const batchId = lease.id;
    const valid = records.filter(
      (r): r is { index: number; clean: CleanVerifiedUser } => r.clean !== undefined,
    );
    // Sealing and hashing need no lock: do them before the transaction keeps rows locked.
    const recordHashes = await this.protector.recordHashes(valid.map((r) => recordCanonical(r.clean)));

    return ctx.em.transactional(async (em) => {
      const existing = await sql<ExistingUser>(
        em,
        `select id, external_ref, status, record_hash from identity.users
          where external_ref in (select jsonb_array_elements_text(?::jsonb)) for update`,
        [JSON.stringify(valid.map((r) => r.clean.externalRef))],
      );
      const byRef = new Map(existing.map((u) => [u.external_ref, u]));
      const results = new Map<number, StoredResult>();
      for (const r of records) if (r.result) results.set(r.index, r.result);

      const writes: Array<{
        index: number;
        clean: CleanVerifiedUser;
        userId: string;
        isNew: boolean;
        hash: string;
      }> = [];
      valid.forEach((r, i) => {
        const hash = recordHashes[i]!;
        const current = byRef.get(r.clean.externalRef);
        if (current?.status === UserStatus.ERASED) {
          results.set(
            r.index,
            rejected(r.index, r.clean.externalRef, [
              { field: "externalRef", code: "USER_ERASED", message: FieldErrorCodes.USER_ERASED },
            ]),
          );
        } else if (current && current.record_hash === hash) {
          results.set(r.index, {
            index: r.index,
            externalRef: r.clean.externalRef,
            status: IngestStatus.UNCHANGED,
            userId: current.id,
            errors: [],
          });
        } else {
          writes.push({
            index: r.index,
            clean: r.clean,
            userId: current?.id ?? uuidv7(),
            isNew: !current,
            hash,
          });
        }
      });

      if (writes.length > 0) {
        const sealed = await this.protector.seal(
          em,
          writes.map((w) => ({
            userId: w.userId,
            isNew: w.isNew,
            values: {
              firstName: w.clean.firstName,
              lastName: w.clean.lastName,
              email: w.clean.email,
              phoneNumber: w.clean.phoneNumber ?? null,
              dateOfBirth: w.clean.dateOfBirth,
            },
          })),
        );
        const emailIndexes = await this.protector.emailIndexes(
          writes.map((w) => normaliseEmailForIndex(w.clean.email)),
        );
        const phoneIndexes = await this.protector.phoneIndexes(
          writes.map((w) => w.clean.phoneNumber ?? null),
        );
        const now = new Date();
        const rows = writes.map((w, i) => ({
          id: w.userId,
          externalRef: w.clean.externalRef,
          firstName: sealed[i]!.firstName,
          lastName: sealed[i]!.lastName,
          email: sealed[i]!.email,
          phoneNumber: sealed[i]!.phoneNumber,
          dateOfBirth: sealed[i]!.dateOfBirth,
          emailIndex: emailIndexes[i]!,
          phoneIndex: phoneIndexes[i] ?? null,
          recordHash: w.hash,
          verifiedAt: w.clean.verifiedAt ?? now,
        }));
        await writeUsers(
          em,
          rows.filter((_, i) => writes[i]!.isNew),
          rows.filter((_, i) => !writes[i]!.isNew),
          now,
        );
        for (const w of writes) {
          results.set(w.index, {
            index: w.index,
            externalRef: w.clean.externalRef,
            status: w.isNew ? IngestStatus.CREATED : IngestStatus.UPDATED,
            userId: w.userId,
            errors: [],
          });
        }
      }

      const ordered = records.map((r) => results.get(r.index)!);
      const events: AuditEventInput[] = [];
      for (const r of ordered) {
        if (r.status === IngestStatus.CREATED || r.status === IngestStatus.UPDATED) {
          events.push({
            type: r.status === IngestStatus.CREATED ? "UserIngested" : "UserUpdated",
            subjectType: "User",
            subjectId: r.userId!,
            data: { batchId, index: r.index },
          });
        } else if (r.status === IngestStatus.REJECTED) {
          events.push({
            type: "UserRejected",
            subjectType: "IngestBatch",
            subjectId: batchId,
            data: { index: r.index, codes: r.errors.map((e) => `${e.field}:${e.code}`) },
          });
        }
      }
      const completing = completeAfter !== undefined;
      if (completing) events.push(batchIngested(summarise(batchId, [...completeAfter, ...ordered], false)));
      await appendAuditEvents(em, { actor: ctx.actor, requestId: ctx.requestId }, events);
      // Fenced by the lease token: if a retry took the batch over (this holder stalled past its lease), this
      // chunk rolls back whole instead of writing the batch's progress a second time.
      const progressed = await sql(
        em,
        `update identity.ingest_batches
            set chunks_done = ?, results = results || ?::jsonb,
                state = case when ? then 'COMPLETED' else state end,
                completed_at = case when ? then now() end,
                lease_until = case when ? then null else now() + (? || ' milliseconds')::interval end
          where id = ? and lease_holder = ? and state = 'IN_PROGRESS'
          returning id`,
        [
          chunkIndex + 1,
          JSON.stringify(ordered),
          completing,
          completing,
          completing,
          String(this.leaseMs),
          batchId,
          lease.holder,
        ],
      );
      if (progressed.length === 0) throw leaseLost();
      return ordered;
    });
  }

  private async completeBatch(ctx: RequestContext, lease: HeldBatch, report: IngestReport): Promise<void> {
    const batchId = lease.id;
    await ctx.em.transactional(async (em) => {
      const completed = await sql(
        em,
        `update identity.ingest_batches set state = 'COMPLETED', completed_at = now(), lease_until = null
          where id = ? and lease_holder = ? and state = 'IN_PROGRESS'
          returning id`,
        [batchId, lease.holder],
      );
      if (completed.length === 0) throw leaseLost();
      await appendAuditEvents(em, { actor: ctx.actor, requestId: ctx.requestId }, [batchIngested(report)]);
    });
  }
}

/** The batch's own audit line: its counts, never a record. */
function batchIngested(report: IngestReport): AuditEventInput {
  return {
    type: "UserBatchIngested",
    subjectType: "IngestBatch",
    subjectId: report.batchId,
    data: {
      received: report.received,
      created: report.created,
      updated: report.updated,
      unchanged: report.unchanged,
      rejected: report.rejected,
    },
  };
}

/** The batch row a call holds, and the lease token it holds it with. */
interface HeldBatch {
  id: string;
  holder: string;
}

/** One chunk of a held batch; `completeAfter` (the earlier chunks' results) marks the last one. */
interface Chunk {
  lease: HeldBatch;
  index: number;
  records: CleanedRecord[];
  completeAfter?: readonly StoredResult[];
}

function leaseLost(): ConflictError {
  return new ConflictError(
    "a retry with the same idempotencyKey took this batch over; its outcome is the retry's",
    "BATCH_TAKEN_OVER",
  );
}

/** What identifies a batch's content for idempotency: the same key with another hash is a client bug. */
export function batchRequestHash(batch: readonly unknown[]): string {
  return createHash("sha256").update(canonicalJson(batch)).digest("hex");
}

function rejected(index: number, externalRef: string | null, errors: FieldError[]): StoredResult {
  return { index, externalRef, status: IngestStatus.REJECTED, userId: null, errors };
}

/** The cleaned record as one canonical string: its keyed hash decides UNCHANGED vs UPDATED. */
export function recordCanonical(u: CleanVerifiedUser): string {
  // canonicalJson of { firstName, lastName, email, phoneNumber, dateOfBirth }, written in its sorted key order
  // directly: it runs for every record of every batch (a test holds the two equal).
  return (
    `{"dateOfBirth":${JSON.stringify(u.dateOfBirth)},"email":${JSON.stringify(u.email)},` +
    `"firstName":${JSON.stringify(u.firstName)},"lastName":${JSON.stringify(u.lastName)},` +
    `"phoneNumber":${JSON.stringify(u.phoneNumber ?? null)}}`
  );
}

export function summarise(batchId: string, results: StoredResult[], replayed: boolean): IngestReport {
  const count = (s: IngestStatus) => results.filter((r) => r.status === s).length;
  return {
    batchId,
    received: results.length,
    created: count(IngestStatus.CREATED),
    updated: count(IngestStatus.UPDATED),
    unchanged: count(IngestStatus.UNCHANGED),
    rejected: count(IngestStatus.REJECTED),
    replayed,
    results,
  };
}

interface UserRow {
  id: string;
  externalRef: string;
  firstName: Buffer | null;
  lastName: Buffer | null;
  email: Buffer | null;
  phoneNumber: Buffer | null;
  dateOfBirth: Buffer | null;
  emailIndex: string;
  phoneIndex: string | null;
  recordHash: string;
  verifiedAt: Date;
}

/**
 * The chunk's rows as one JSON document (MikroORM inlines parameters and would expand an array into a list), each
 * row an array rather than an object: no key repeated per row, and PostgreSQL reads a position faster than it
 * matches a record's column names (measured 16 against 20.5 ms per 1,000 rows). Sealed values travel
 * base64-encoded and are decoded to bytea by PostgreSQL.
 */
const ROWS = `(select (e->>0)::uuid as id, e->>1 as external_ref, decode(e->>2, 'base64') as fn,
    decode(e->>3, 'base64') as ln, decode(e->>4, 'base64') as em, decode(e->>5, 'base64') as ph,
    decode(e->>6, 'base64') as dob, e->>7 as ei, e->>8 as pi, e->>9 as rh, (e->>10)::timestamptz as va
  from jsonb_array_elements(?::jsonb) as e) as t`;

function rowsJson(rows: UserRow[]): string {
  const b64 = (b: Buffer | null) => (b ? b.toString("base64") : null);
  return JSON.stringify(
    rows.map((r) => [
      r.id,
      r.externalRef,
      b64(r.firstName),
      b64(r.lastName),
      b64(r.email),
      b64(r.phoneNumber),
      b64(r.dateOfBirth),
      r.emailIndex,
      r.phoneIndex,
      r.recordHash,
      r.verifiedAt.toISOString(),
    ]),
  );
}

/** A concurrent batch created one of this chunk's new users first: the chunk is redone from the start. */
class ConcurrentInsertError extends Error {}

/**
 * One statement per kind for the whole chunk. Existing users were locked FOR UPDATE
 * in this transaction; a new one that a concurrent batch inserted meanwhile is not overwritten (its data key
 * and ids differ from what we sealed with): the chunk rolls back and is retried.
 */
async function writeUsers(
  em: EntityManager,
  inserts: UserRow[],
  updates: UserRow[],
  now: Date,
): Promise<void> {
  if (inserts.length > 0) {
    const inserted = await sql<{ id: string }>(
      em,
      `insert into identity.users (id, external_ref, status, first_name_ct, last_name_ct, email_ct, phone_number_ct,
                                   date_of_birth_ct, email_index, phone_index, record_hash, verified_at, created_at, updated_at)
       select id, external_ref, 'ACTIVE', fn, ln, em, ph, dob, ei, pi, rh, va, ?, ? from ${ROWS}
       on conflict (external_ref) do nothing
       returning id`,
      [now, now, rowsJson(inserts)],
    );
    if (inserted.length !== inserts.length) throw new ConcurrentInsertError();
  }
  if (updates.length > 0) {
    await sql(
      em,
      `update identity.users u set first_name_ct = t.fn, last_name_ct = t.ln, email_ct = t.em,
              phone_number_ct = t.ph, date_of_birth_ct = t.dob, email_index = t.ei, phone_index = t.pi,
              record_hash = t.rh, verified_at = t.va, updated_at = ?
         from ${ROWS}
        where u.id = t.id and u.status = 'ACTIVE'`,
      [now, rowsJson(updates)],
    );
  }
}
