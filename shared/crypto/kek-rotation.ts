import type { EntityManager } from "@mikro-orm/postgresql";
import { sql } from "../../db/sql.js";
import { type AuditActor, appendAuditEvents } from "../events/audit-log.js";
import { versionOf } from "../keyring/versioned-value.js";
import type { Logger } from "../logger.js";
import { jsonRows, uuidArrayLiteral } from "./sql-values.js";
import { type SubjectKeys, wrapBinding } from "./subject-keys.js";

export interface KekRotationOptions {
  /** Data keys per keyring rewrap call and per UPDATE (default 1000). */
  batchSize?: number;
  /** After rewrapping, raise the KEK's minimum decryption version to the new version, if nothing older is left. */
  retireOld?: boolean;
  /** Called after each committed batch (progress display). */
  onProgress?: (progress: KekRotationProgress) => void;
  /** Called after each committed batch, before the next; an exception here stops the rotation like a crash. */
  afterBatch?: (progress: KekRotationProgress) => void | Promise<void>;
}

export interface KekRotationProgress {
  rotationId: string;
  targetVersion: number;
  /** Data keys rewrapped by this rotation so far (including before a resume). */
  rewrapped: number;
  failed: number;
  /** Estimated number of data keys this rotation handles in all. */
  total: number;
}

export interface KekRotationReport {
  rotationId: string;
  keyName: string;
  fromVersion: number;
  targetVersion: number;
  /** True when an interrupted rotation was continued instead of rotating again. */
  resumed: boolean;
  rewrapped: number;
  failed: number;
  /** Data keys still wrapped by a version older than the target (the failed ones, normally 0). */
  remaining: number;
  retired: boolean;
  minDecryptionVersion: number;
}

interface RotationRow {
  id: string;
  from_version: number;
  target_version: number | null;
  last_subject_id: string | null;
  rewrapped: string;
  failed: string;
}

const DEFAULT_BATCH_SIZE = 1000;
/** Full passes over the table after the first, to catch keys written with the old version while it ran. */
const MAX_SWEEPS = 5;

/**
 * Rotates the key-encryption key and rewraps every data key to the new version, without touching a single
 * field ciphertext. Each batch is one keyring rewrap call and one UPDATE, committed with the rotation's
 * progress (keyring.rotations: target version, last subject id), so a crash loses at most one batch and a
 * rerun continues from there instead of rotating again.
 *
 * Reads keep working throughout: old and new KEK versions both decrypt until the rotation retires the old
 * ones, and each row switches from the old wrap to the new one atomically. An UPDATE only replaces the exact
 * wrapped key it read, so a key destroyed (or rewrapped by someone else) meanwhile is left alone.
 *
 * The caller holds the rotation lock (one rotation at a time; see scripts/commands/keys-rotate.ts).
 */
export async function rotateKeyEncryptionKey(
  em: EntityManager,
  subjectKeys: SubjectKeys,
  who: AuditActor,
  logger: Logger,
  options: KekRotationOptions = {},
): Promise<KekRotationReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new TypeError("batchSize must be a positive integer");
  const keyring = subjectKeys.keyring;
  const keyName = subjectKeys.kekName;
  await subjectKeys.ensureKek();
  const store = new RotationStore(em);

  const open = await store.openRotation(keyName);
  const resumed = open !== null;
  const row = open ?? (await store.startRotation(keyName, (await keyring.keyInfo(keyName)).latestVersion));
  let target = row.target_version;
  if (target === null) {
    // Started but not yet rotated (or crashed between rotating and recording it): never rotate twice.
    const latest = (await keyring.keyInfo(keyName)).latestVersion;
    target = latest > row.from_version ? latest : await keyring.rotate(keyName);
    await store.recordTarget(row, keyName, target, who);
  }
  const targetVersion: number = target;
  logger.info(
    { rotationId: row.id, keyName, fromVersion: row.from_version, targetVersion, resumed },
    "KEK rotation",
  );

  const progress: KekRotationProgress = {
    rotationId: row.id,
    targetVersion,
    rewrapped: Number(row.rewrapped),
    failed: Number(row.failed),
    total: Number(row.rewrapped) + (await store.countOlder(targetVersion)),
  };
  const failedIds: string[] = [];

  const pass = async (startAfter: string | null): Promise<number> => {
    let cursor = startAfter;
    let handled = 0;
    for (;;) {
      const page = await store.pageOlder(targetVersion, cursor, failedIds, batchSize);
      if (page.length === 0) return handled;
      const results = await keyring.rewrap(
        keyName,
        page.map((r) => ({ ciphertext: r.wrapped_key, associatedData: wrapBinding(r.subject_id) })),
      );
      const updates: Array<{ s: string; o: string; w: string; v: number | null }> = [];
      results.forEach((result, i) => {
        const r = page[i]!;
        if (result.ok)
          updates.push({ s: r.subject_id, o: r.wrapped_key, w: result.value, v: versionOf(result.value) });
        else {
          failedIds.push(r.subject_id);
          logger.warn(
            { subjectId: r.subject_id, reason: result.error.reason },
            "data key could not be rewrapped",
          );
        }
      });
      cursor = page.at(-1)!.subject_id;
      const failedNow = page.length - updates.length;
      const rewrapped = await store.commitBatch(row, keyName, targetVersion, updates, failedNow, cursor, who);
      progress.rewrapped += rewrapped;
      progress.failed += failedNow;
      handled += page.length;
      options.onProgress?.({ ...progress });
      await options.afterBatch?.({ ...progress });
    }
  };

  await pass(row.last_subject_id);
  // Writers that read the KEK's metadata just before the rotation may have wrapped keys with the old version
  // behind the cursor; sweep from the start until nothing older is left (bounded: such writers are finite).
  for (let sweep = 0; sweep < MAX_SWEEPS && (await pass(null)) > 0; sweep++);

  const remaining = await store.countOlder(targetVersion);
  await store.finish(row.id);
  let minDecryptionVersion = (await keyring.keyInfo(keyName)).minDecryptionVersion;
  let retired = false;
  if (options.retireOld) {
    if (remaining === 0) {
      minDecryptionVersion = (await keyring.setMinDecryptionVersion(keyName, targetVersion))
        .minDecryptionVersion;
      await store.recordRetirement(row.id, keyName, targetVersion, who);
      retired = true;
    } else {
      logger.warn(
        { remaining, targetVersion },
        "old KEK versions kept: some data keys are still wrapped by them",
      );
    }
  }
  const report: KekRotationReport = {
    rotationId: row.id,
    keyName,
    fromVersion: row.from_version,
    targetVersion,
    resumed,
    rewrapped: progress.rewrapped,
    failed: progress.failed,
    remaining,
    retired,
    minDecryptionVersion,
  };
  logger.info(report, "KEK rotation finished");
  return report;
}

type SqlBinding = string | number | null;

/** The rotation's SQL, one method per statement or transaction. */
class RotationStore {
  constructor(private readonly em: EntityManager) {}

  async openRotation(keyName: string): Promise<RotationRow | null> {
    const rows = await this.query<RotationRow>(
      `select id, from_version, target_version, last_subject_id, rewrapped, failed
         from keyring.rotations where key_name = ? and finished_at is null`,
      [keyName],
    );
    return rows[0] ?? null;
  }

  async startRotation(keyName: string, fromVersion: number): Promise<RotationRow> {
    const rows = await this.query<RotationRow>(
      `insert into keyring.rotations (key_name, from_version, rewrapped, failed, started_at, updated_at)
       values (?, ?, 0, 0, now(), now())
       returning id, from_version, target_version, last_subject_id, rewrapped, failed`,
      [keyName, fromVersion],
    );
    return rows[0]!;
  }

  async recordTarget(
    row: RotationRow,
    keyName: string,
    targetVersion: number,
    who: AuditActor,
  ): Promise<void> {
    await this.em.transactional(async (tx) => {
      await this.query(
        "update keyring.rotations set target_version = ?, updated_at = now() where id = ?",
        [targetVersion, row.id],
        tx,
      );
      await appendAuditEvents(tx, who, [
        {
          type: "KeyRotated",
          subjectType: "Key",
          subjectId: keyName,
          data: { rotationId: row.id, fromVersion: row.from_version, toVersion: targetVersion },
        },
      ]);
    });
    row.target_version = targetVersion;
  }

  pageOlder(
    targetVersion: number,
    after: string | null,
    exclude: readonly string[],
    limit: number,
  ): Promise<Array<{ subject_id: string; wrapped_key: string }>> {
    return this.query(
      `select subject_id, wrapped_key from keyring.data_keys
        where wrapped_key is not null and kek_version < ?
          and subject_id > coalesce(?::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
          and not (subject_id = any(?::uuid[]))
        order by subject_id limit ?`,
      [targetVersion, after, uuidArrayLiteral(exclude), limit],
    );
  }

  /** Live data keys still wrapped by a version older than the target. */
  async countOlder(targetVersion: number): Promise<number> {
    const rows = await this.query<{ n: string }>(
      "select count(*) as n from keyring.data_keys where wrapped_key is not null and kek_version < ?",
      [targetVersion],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The batch's new wraps, the rotation's cursor and its audit event: one transaction. Returns rows updated. */
  async commitBatch(
    row: RotationRow,
    keyName: string,
    targetVersion: number,
    updates: ReadonlyArray<{ s: string; o: string; w: string; v: number | null }>,
    failed: number,
    cursor: string,
    who: AuditActor,
  ): Promise<number> {
    return this.em.transactional(async (tx) => {
      const updated =
        updates.length === 0
          ? []
          : await this.query<{ subject_id: string }>(
              `update keyring.data_keys d set wrapped_key = r.w, kek_version = r.v
                 from json_to_recordset(?::json) as r(s uuid, o text, w text, v int)
                where d.subject_id = r.s and d.wrapped_key = r.o
               returning d.subject_id`,
              [jsonRows(updates)],
              tx,
            );
      await this.query(
        `update keyring.rotations
            set last_subject_id = ?, rewrapped = rewrapped + ?, failed = failed + ?, updated_at = now()
          where id = ?`,
        [cursor, updated.length, failed, row.id],
        tx,
      );
      await appendAuditEvents(tx, who, [
        {
          type: "DataKeysRewrapped",
          subjectType: "Key",
          subjectId: keyName,
          data: {
            rotationId: row.id,
            toVersion: targetVersion,
            rewrapped: updated.length,
            failed,
            lastSubjectId: cursor,
          },
        },
      ]);
      return updated.length;
    });
  }

  async finish(rotationId: string): Promise<void> {
    await this.query("update keyring.rotations set finished_at = now(), updated_at = now() where id = ?", [
      rotationId,
    ]);
  }

  async recordRetirement(rotationId: string, keyName: string, minDecryptionVersion: number, who: AuditActor) {
    await this.em.transactional(async (tx) => {
      await appendAuditEvents(tx, who, [
        {
          type: "KeyVersionsRetired",
          subjectType: "Key",
          subjectId: keyName,
          data: { rotationId, minDecryptionVersion },
        },
      ]);
    });
  }

  private query<T>(statement: string, params: SqlBinding[], em: EntityManager = this.em): Promise<T[]> {
    return sql<T>(em, statement, params);
  }
}
