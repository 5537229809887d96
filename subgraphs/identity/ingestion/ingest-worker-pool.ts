import { randomUUID } from "node:crypto";
import { BroadcastChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import type { Config } from "../../../shared/config.js";
import type { RequestContext } from "../../../shared/context.js";
import { ServiceUnavailableError, TrustIdError } from "../../../shared/errors.js";
import { InFlight } from "../../../shared/in-flight.js";
import { type Logger, relayWorkerLogs } from "../../../shared/logger.js";
import { workerScript } from "../../../shared/worker-script.js";
import type { IngestMetrics } from "./ingest-metrics.js";
import type { ControlMessage, IngestTask, IngestWorkerData, TaskOutcome } from "./ingest-worker-protocol.js";
import {
  checkBatchRequest,
  type IngestReport,
  releaseBatchLease,
  STOP_MS,
  shuttingDown,
  type UserIngestion,
} from "./user-ingestion.service.js";

/** How long idle threads get to close their connections before they end. */
const CLOSE_MS = 2_000;

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
  private readonly control: BroadcastChannel;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  /** Batches sent to the threads and not yet answered (running or queued). */
  private readonly inFlight = new InFlight();
  private closing: Promise<void> | null = null;

  constructor(private readonly options: IngestWorkerPoolOptions) {
    const logChannel = `trustid-ingest-logs-${randomUUID()}`;
    this.relay = relayWorkerLogs(logChannel, options.logger);
    const controlChannel = `trustid-ingest-control-${randomUUID()}`;
    this.control = new BroadcastChannel(controlChannel);
    this.control.unref();
    this.maxBatch = options.config.ingest.maxBatch;
    this.maxQueued = options.maxQueued ?? options.threads * 4;
    const workerData: IngestWorkerData = {
      config: options.config,
      databaseUrl: options.databaseUrl,
      logChannel,
      controlChannel,
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
    if (this.closing) throw shuttingDown();
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
    const task: Promise<TaskOutcome> = this.pool.run({
      kind: "ingest",
      actor: ctx.actor,
      requestId: ctx.requestId,
      batch,
      idempotencyKey: idempotencyKey ?? null,
      holder,
    });
    try {
      outcome = await this.inFlight.track(task);
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
   * Shuts ingestion down within the grace period (`TRUSTID_SHUTDOWN_GRACE_MS`), without ever cutting a thread
   * off in the middle of its work:
   * 1. new batches are refused with SERVICE_UNAVAILABLE (`SHUTTING_DOWN`: retry with the same key elsewhere);
   * 2. running and queued batches get the grace period to finish;
   * 3. those still running then stop at their next chunk boundary: the chunks written stay, the lease is given
   *    back and the caller gets SERVICE_UNAVAILABLE (`SHUTTING_DOWN`), so a retry resumes at once;
   * 4. the idle threads close their connections, and only then end.
   * A thread still busy `STOP_MS` after step 3 (a chunk stuck on the database) is ended regardless: PostgreSQL
   * rolls its open chunk back with its connection, and `ingest` gives its lease back.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const stopped = await this.inFlight.drain(
      this.options.config.shutdownGraceMs,
      () => {
        this.options.logger.info(
          { batches: this.inFlight.size },
          "shutdown grace period over: stopping batches at their next chunk",
        );
        this.control.postMessage({ kind: "stop" } satisfies ControlMessage);
      },
      STOP_MS,
    );
    if (!stopped) {
      this.options.logger.warn(
        { batches: this.inFlight.size },
        "ingest batches did not stop; ending threads",
      );
    }
    await this.closeThreads();
    await this.pool.destroy();
    this.control.close();
    this.relay.close();
  }

  /** Asks every thread to close its connections and waits for their answers (at most `CLOSE_MS`). */
  private closeThreads(): Promise<void> {
    return new Promise((resolve) => {
      const closed = new Set<number>();
      const finish = () => {
        clearTimeout(timer);
        this.control.removeEventListener("message", onMessage);
        resolve();
      };
      const timer = setTimeout(() => {
        this.options.logger.warn(
          { closed: closed.size, threads: this.options.threads },
          "ingest threads did not all close their connections in time",
        );
        finish();
      }, CLOSE_MS);
      const onMessage = (event: Event) => {
        const message = (event as MessageEvent<ControlMessage>).data;
        if (message?.kind !== "closed") return;
        closed.add(message.threadId);
        if (closed.size >= this.pool.threads.length) finish();
      };
      this.control.addEventListener("message", onMessage);
      if (this.pool.threads.length === 0) return finish();
      this.control.postMessage({ kind: "close" } satisfies ControlMessage);
    });
  }
}
