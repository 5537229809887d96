import { SingleBar } from "cli-progress";
import pg from "pg";
import { openDatabase } from "../../db/database.js";
import { applyMigrations } from "../../db/migrate.js";
import { createOrm } from "../../db/orm.js";
import type { Config } from "../../shared/config.js";
import {
  type KekRotationProgress,
  type KekRotationReport,
  rotateKeyEncryptionKey,
} from "../../shared/crypto/kek-rotation.js";
import { SubjectKeys } from "../../shared/crypto/subject-keys.js";
import { AuditEventEntity } from "../../shared/events/audit-event.entity.js";
import { createKeyring } from "../../shared/keyring/create-keyring.js";
import type { Logger } from "../../shared/logger.js";

export interface KeysRotateOptions {
  /** Data keys per rewrap call and UPDATE (default 1000). */
  batchSize?: number;
  /** Retire the old KEK versions (minimum decryption version) once no data key uses them. */
  retireOld?: boolean;
  /** Progress bar on stderr; defaults to whether stderr is a terminal. */
  progress?: boolean;
  /** Called after each committed batch; an exception stops the run like a crash (the next run resumes). */
  afterBatch?: (progress: KekRotationProgress) => void | Promise<void>;
}

/** One rotation at a time across every process and host sharing the database. */
const ROTATION_LOCK_KEY = 7_353_100_003;

/**
 * `trustid keys rotate [--batch N] [--retire]`: rotates the key-encryption key and rewraps every data key
 * (see shared/crypto/kek-rotation.ts); rerun after a crash, it continues the interrupted rotation.
 */
export async function rotateKeys(
  config: Config,
  logger: Logger,
  options: KeysRotateOptions = {},
): Promise<KekRotationReport> {
  const db = await openDatabase(config, logger);
  try {
    await applyMigrations(db.url, ["audit", "keyring"], logger);
    const lock = new pg.Client({ connectionString: db.url, application_name: "trustid-keys-rotate-lock" });
    await lock.connect();
    try {
      const { rows } = await lock.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [
        ROTATION_LOCK_KEY,
      ]);
      if (!rows[0]?.locked)
        throw new Error("another `trustid keys rotate` is running; wait for it to finish");
      return await runLocked(config, logger, db.url, options);
    } finally {
      await lock.end();
    }
  } finally {
    await db.stop();
  }
}

async function runLocked(
  config: Config,
  logger: Logger,
  url: string,
  options: KeysRotateOptions,
): Promise<KekRotationReport> {
  const orm = await createOrm({
    url,
    entities: [AuditEventEntity],
    poolMax: 2,
    logger,
    applicationName: "trustid-keys-rotate",
  });
  const keyring = await createKeyring(config, { databaseUrl: url, logger });
  const bar = (options.progress ?? process.stderr.isTTY) ? progressBar() : null;
  try {
    return await rotateKeyEncryptionKey(
      orm.em.fork(),
      new SubjectKeys(keyring),
      { actor: "system:keys-rotate" },
      logger,
      {
        batchSize: options.batchSize,
        retireOld: options.retireOld,
        afterBatch: options.afterBatch,
        onProgress: bar?.update,
      },
    );
  } finally {
    bar?.stop();
    await keyring.close();
    await orm.close(true);
  }
}

/** A progress bar on stderr, started by the first batch (the total is only known once the rotation runs). */
function progressBar() {
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      "rewrapping data keys [{bar}] {percentage}% | {value}/{total} | failed {failed} | ETA {eta_formatted}",
    hideCursor: true,
  });
  let started = false;
  return {
    update: (p: KekRotationProgress) => {
      const done = p.rewrapped + p.failed;
      // Sweeps can find keys written during the rotation: the total grows rather than overflowing.
      const total = Math.max(p.total, done);
      if (!started) {
        bar.start(total, done, { failed: p.failed });
        started = true;
      } else {
        if (bar.getTotal() !== total) bar.setTotal(total);
        bar.update(done, { failed: p.failed });
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
