import { workerData } from "node:worker_threads";
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
import type { IngestTask, IngestWorkerData, TaskOutcome } from "./ingest-worker-protocol.js";
import { ingestionOptions, UserIngestionService } from "./user-ingestion.service.js";

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
    const ingestion = new UserIngestionService(protector, ingestionOptions(config));
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
  const rt = await runtime();
  if (task.kind === "open") return { kind: "opened" };
  const ctx = new RequestContext(
    task.requestId,
    { subject: task.actor, roles: [] },
    rt.orm.em.fork(),
    rt.logger.child({ requestId: task.requestId }),
  );
  try {
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
