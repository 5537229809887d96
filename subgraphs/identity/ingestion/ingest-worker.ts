import { BroadcastChannel, threadId, workerData } from "node:worker_threads";
import { createOrm, type Orm } from "../../../db/orm.js";
import type { Config } from "../../../shared/config.js";
import { RequestContext } from "../../../shared/context.js";
import { TrustIdError } from "../../../shared/errors.js";
import { AuditEventEntity } from "../../../shared/events/audit-event.entity.js";
import { createKeyring } from "../../../shared/keyring/create-keyring.js";
import type { Keyring } from "../../../shared/keyring/keyring.js";
import { createWorkerLogger, type Logger } from "../../../shared/logger.js";
import { IngestBatchEntity } from "../entities/ingest-batch.entity.js";
import { UserEntity } from "../entities/user.entity.js";
import { EnvelopePersonalDataProtector } from "../personal-data-protector.js";
import type { ControlMessage, IngestTask, IngestWorkerData, TaskOutcome } from "./ingest-worker-protocol.js";
import { ingestionOptions, shuttingDown, UserIngestionService } from "./user-ingestion.service.js";

/**
 * One ingest worker thread: its own ORM, keyring and logger (relayed to the owning thread), and the same
 * UserIngestionService the in-process path runs. Opened on the first task and kept for the thread's life;
 * a failed open is retried by the next task rather than leaving a dead thread.
 */
interface WorkerRuntime {
  orm: Orm;
  keyring: Keyring;
  logger: Logger;
  ingestion: UserIngestionService;
}

const data = workerData as IngestWorkerData;
const { logger } = createWorkerLogger({
  channel: data.logChannel,
  level: data.config.logLevel,
  bindings: { ...data.logBindings, thread: "ingest" },
});
let opening: Promise<WorkerRuntime> | null = null;
/** Aborted when the owner's grace period is over: batches stop at their next chunk boundary. */
const stopping = new AbortController();
let closed = false;

const control = new BroadcastChannel(data.controlChannel);
control.onmessage = (event) => {
  const message = (event as { data?: ControlMessage }).data;
  if (message?.kind === "stop") stopping.abort();
  else if (message?.kind === "close") {
    void closeRuntime().finally(() =>
      control.postMessage({ kind: "closed", threadId } satisfies ControlMessage),
    );
  }
};

/** Closes the thread's connections (the owner asks once no batch runs on it); later tasks are refused. */
async function closeRuntime(): Promise<void> {
  closed = true;
  stopping.abort();
  const rt = await opening?.catch(() => null);
  opening = null;
  if (!rt) return;
  await rt.keyring.close().catch((err) => logger.warn({ err }, "closing the ingest thread's keyring failed"));
  await rt.orm.close().catch((err) => logger.warn({ err }, "closing the ingest thread's database failed"));
}

async function open(config: Config): Promise<WorkerRuntime> {
  const orm = await createOrm({
    url: data.databaseUrl,
    entities: [UserEntity, IngestBatchEntity, AuditEventEntity],
    // A worker runs a couple of batches at a time, each one transaction at a time.
    poolMax: 4,
    logger,
    debug: config.database.debug,
    applicationName: "trustid-identity-ingest",
  });
  try {
    const keyring = await createKeyring(config, { databaseUrl: data.databaseUrl, logger, poolMax: 2 });
    const protector = new EnvelopePersonalDataProtector(keyring);
    const ingestion = new UserIngestionService(protector, {
      ...ingestionOptions(config),
      stopSignal: stopping.signal,
    });
    return { orm, keyring, logger, ingestion };
  } catch (error) {
    await orm.close();
    throw error;
  }
}

function runtime(): Promise<WorkerRuntime> {
  opening ??= open(data.config).catch((error) => {
    opening = null;
    throw error;
  });
  return opening;
}

/** The piscina task: a batch in, its report (or a domain error, kept whole) out. */
export default async function ingestTask(task: IngestTask): Promise<TaskOutcome> {
  try {
    if (closed) throw shuttingDown();
    const rt = await runtime();
    if (task.kind === "open") return { kind: "opened" };
    const ctx = new RequestContext(
      task.requestId,
      { subject: task.actor, roles: [] },
      rt.orm.em.fork(),
      rt.logger.child({ requestId: task.requestId }),
    );
    return {
      kind: "report",
      report: await rt.ingestion.ingest(ctx, task.batch, task.idempotencyKey, task.holder),
    };
  } catch (error) {
    if (error instanceof TrustIdError) {
      return { kind: "refused", code: error.code, message: error.message, reason: error.reason };
    }
    throw error;
  }
}
