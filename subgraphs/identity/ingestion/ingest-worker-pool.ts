import { randomUUID } from "node:crypto";
import { Piscina } from "piscina";
import type { Config } from "../../../shared/config.js";
import type { RequestContext } from "../../../shared/context.js";
import { ServiceUnavailableError, TrustIdError } from "../../../shared/errors.js";
import { type Logger, relayWorkerLogs } from "../../../shared/logger.js";
import { workerScript } from "../../../shared/worker-script.js";
import type { IngestMetrics } from "./ingest-metrics.js";
import type { IngestTask, IngestWorkerData, TaskOutcome } from "./ingest-worker-protocol.js";
import {
  checkBatchRequest,
  type IngestReport,
  releaseBatchLease,
  type UserIngestion,
} from "./user-ingestion.service.js";

export interface IngestWorkerPoolOptions {
  config: Config;
  databaseUrl: string;
  threads: number;
  /**
   * Batches that may wait for a thread before more are refused with SERVICE_UNAVAILABLE (INGEST_BUSY), so an
   * overloaded service pushes back on its callers instead of holding an unbounded queue of batches in memory.
   * Defaults to four per thread.
   */
  maxQueued?: number;
  /** The service's logger: workers' lines are relayed to its destination with its bindings. */
  logger: Logger;
  metrics?: IngestMetrics;
}

/**
 * Ingestion on worker threads (`TRUSTID_INGEST_WORKERS`). Cleaning, sealing, hashing and building SQL cost about
 * 90 µs of CPU per user, so one thread tops out near 10,000 users/s and, sharing it with GraphQL, well below.
 * Here each batch runs whole on a worker (the same UserIngestionService, its own ORM and keyring), so batches in
 * flight use every core while the service's thread stays free for requests.
 *
 * Nothing about correctness moves: idempotency leases, chunk transactions and the audit chain live in
 * PostgreSQL exactly as on one thread. The batch-size and key checks still run here, before a record is copied.
 */
export class IngestWorkerPool implements UserIngestion {
  private readonly pool: Piscina<IngestTask, TaskOutcome>;
  private readonly relay: { close(): void };
  private readonly maxBatch: number;
  private readonly maxQueued: number;

  constructor(private readonly options: IngestWorkerPoolOptions) {
    const logChannel = `trustid-ingest-logs-${randomUUID()}`;
    this.relay = relayWorkerLogs(logChannel, options.logger);
    this.maxBatch = options.config.ingest.maxBatch;
    this.maxQueued = options.maxQueued ?? options.threads * 4;
    const workerData: IngestWorkerData = {
      config: options.config,
      databaseUrl: options.databaseUrl,
      logChannel,
      logBindings: options.logger.bindings(),
    };
    this.pool = new Piscina<IngestTask, TaskOutcome>({
      filename: workerScript(import.meta.url, "./ingest-worker.js"),
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // A batch spends part of its time waiting on PostgreSQL: two per thread keep the thread busy meanwhile.
      concurrentTasksPerWorker: 2,
      // Threads keep connection pools (open handles) between tasks: their event loops must keep running while
      // idle, which piscina's default of blocking idle threads in Atomics.wait would stop.
      atomics: "disabled",
      // close() waits this long for running batches, then ends the threads (their batches' leases are given back).
      closeTimeout: options.config.shutdownGraceMs,
      workerData,
    });
    this.pool.on("error", this.onPoolError);
    options.metrics?.watchThreads(() => ({
      queued: this.pool.queueSize,
      utilization: this.pool.utilization,
      threads: options.threads,
    }));
  }

  /** A thread that dies outside a task (it is replaced) must not take the service down with an unhandled event. */
  private readonly onPoolError = (err: unknown) =>
    this.options.logger.error({ err }, "ingest thread pool error");

  get threads(): number {
    return this.options.threads;
  }

  /** Opens every thread's connections now rather than on the first batch (best effort: a failure retries later). */
  async warm(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.options.threads }, () =>
        this.pool
          .run({ kind: "open" })
          .catch((err) =>
            this.options.logger.warn({ err }, "ingest thread not ready; its first batch retries"),
          ),
      ),
    );
  }

  async ingest(
    ctx: RequestContext,
    batch: readonly unknown[],
    idempotencyKey?: string | null,
  ): Promise<IngestReport> {
    checkBatchRequest(batch, idempotencyKey, this.maxBatch);
    if (this.pool.queueSize >= this.maxQueued) {
      throw new ServiceUnavailableError(
        "ingestion is at capacity: retry the batch shortly with the same idempotencyKey",
        "INGEST_BUSY",
      );
    }
    const started = performance.now();
    // The lease token the thread writes under: if the thread dies mid-batch, this call can give its lease back.
    const holder = randomUUID();
    let outcome: TaskOutcome;
    try {
      outcome = await this.pool.run({
        kind: "ingest",
        actor: ctx.actor,
        requestId: ctx.requestId,
        batch,
        idempotencyKey: idempotencyKey ?? null,
        holder,
      });
    } catch (error) {
      // The thread either failed and stopped (it gave the lease back itself) or died mid-batch, when a shutdown
      // ran out of time or the thread crashed: give back the lease it held, if it still does, so the retry need
      // not wait it out.
      if (idempotencyKey != null) {
        await releaseBatchLease(ctx.em, { actor: ctx.actor, idempotencyKey, holder }).catch(() => {});
      }
      throw error;
    }
    if (outcome.kind === "refused") throw new TrustIdError(outcome.code, outcome.message, outcome.reason);
    if (outcome.kind !== "report") throw new Error("ingest worker answered a batch without a report");
    this.options.metrics?.observe(outcome.report, (performance.now() - started) / 1000);
    return outcome.report;
  }

  /**
   * Lets running batches finish within the shutdown grace period (`TRUSTID_SHUTDOWN_GRACE_MS`), then ends the
   * threads, their connections with them; a batch cut short rolls back its open chunk and is resumable at once.
   */
  async close(): Promise<void> {
    await this.pool.close();
    this.relay.close();
  }
}
