import { createSecretKey, randomBytes } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import DataLoader from "dataloader";
import { sql } from "../../db/sql.js";
import type { RequestContext } from "../context.js";
import { type AuditActor, appendAuditEvents } from "../events/audit-log.js";
import { KEY_BYTES } from "../keyring/aes-gcm.js";
import { type Keyring, valuesOrThrow } from "../keyring/keyring.js";
import { KeyringError } from "../keyring/keyring-error.js";
import { versionOf } from "../keyring/versioned-value.js";
import { DataKey } from "./data-key.js";
import { KEK_KEY_NAME } from "./key-names.js";
import { jsonRows, uuidArrayLiteral } from "./sql-values.js";

export interface SubjectKeysOptions {
  /** The key-encryption key's name in the keyring (default `kek`). */
  kekName?: string;
}

interface DataKeyRow {
  subject_id: string;
  wrapped_key: string | null;
}

interface Created {
  created: DataKey[];
  /** Subjects whose insert conflicted with an existing row. */
  lost: string[];
}

const LOADER_KEY = "keyring.data-keys";

/**
 * Per-subject data keys (envelope encryption). A data key is 256 random bits, wrapped by the keyring's KEK and
 * stored in `keyring.data_keys`; fields are sealed locally with it (FieldCipher), so the keyring sees one call
 * per batch of subjects, never one per field or row. The wrap is bound to the subject id: a wrapped key copied
 * onto another subject's row does not unwrap.
 *
 * Every method takes the caller's EntityManager and runs in its transaction when there is one: data keys and
 * the records sealed under them commit or roll back together.
 */
export class SubjectKeys {
  readonly kekName: string;
  private kekReady: Promise<unknown> | null = null;

  constructor(
    readonly keyring: Keyring,
    options: SubjectKeysOptions = {},
  ) {
    this.kekName = options.kekName ?? KEK_KEY_NAME;
  }

  /** Creates the KEK on first use (idempotent, once per process). */
  ensureKek(): Promise<unknown> {
    this.kekReady ??= this.keyring.ensureKey(this.kekName, "aes256-gcm96").catch((error) => {
      this.kekReady = null;
      throw error;
    });
    return this.kekReady;
  }

  /**
   * The data keys of `subjectIds`, creating (and wrapping, in one keyring call) those that do not exist yet.
   * Existing keys are unwrapped in one more call. Throws DATA_KEY_DESTROYED (its `index`: the first erased
   * subject's position in `subjectIds`) if any subject was erased: an erased subject never gets a new key, so
   * nothing personal can be stored for it again. Callers that must not fail a batch filter erased subjects first.
   */
  async getOrCreate(em: EntityManager, subjectIds: readonly string[]): Promise<Map<string, DataKey>> {
    const ids = distinctIds(subjectIds);
    if (ids.length === 0) return new Map();
    const existing = await this.select(em, ids);
    refuseErased(existing, subjectIds);
    const found = new Set(existing.map((row) => row.subject_id));
    const missing = ids.filter((id) => !found.has(id));
    const fresh = missing.length > 0 ? await this.create(em, missing) : { created: [], lost: [] };
    return this.withExisting(em, subjectIds, fresh, existing);
  }

  /**
   * getOrCreate for subjects the caller has just created (fresh ids, e.g. newly ingested users): it skips the
   * look-up and inserts straight away. Any subject that does exist after all (or was erased) conflicts and is
   * handled exactly as getOrCreate would, so the hint can only cost time, never correctness.
   */
  async createForNew(em: EntityManager, subjectIds: readonly string[]): Promise<Map<string, DataKey>> {
    const ids = distinctIds(subjectIds);
    if (ids.length === 0) return new Map();
    return this.withExisting(em, subjectIds, await this.create(em, ids), []);
  }

  /**
   * The data keys of `subjectIds`, in order, with one query and one keyring call. A subject without a key
   * yields KEY_NOT_FOUND, an erased one DATA_KEY_DESTROYED, a key that fails to unwrap its keyring error.
   */
  async load(em: EntityManager, subjectIds: readonly string[]): Promise<Array<DataKey | KeyringError>> {
    if (subjectIds.length === 0) return [];
    const rows = await this.select(em, distinctIds(subjectIds));
    const unwrapped = new Map<string, DataKey | KeyringError>();
    const live = rows.filter((row) => row.wrapped_key !== null);
    for (const row of rows)
      if (row.wrapped_key === null) unwrapped.set(row.subject_id, new KeyringError("DATA_KEY_DESTROYED"));
    const keys = await this.unwrap(live);
    keys.forEach((key, i) => {
      unwrapped.set(live[i]!.subject_id, key);
    });
    return subjectIds.map((id, index) => {
      const key = unwrapped.get(id.toLowerCase()) ?? new KeyringError("KEY_NOT_FOUND");
      return key instanceof KeyringError ? key.atIndex(index) : key;
    });
  }

  /**
   * The request's data-key loader: every `load(subjectId)` made while resolving one GraphQL request is
   * gathered into one `load()` above, so one keyring call per request however many rows it returns.
   */
  unwrapLoader(ctx: RequestContext): DataLoader<string, DataKey> {
    return ctx.loader(LOADER_KEY, () => new DataLoader<string, DataKey>((ids) => this.load(ctx.em, ids)));
  }

  /**
   * Crypto-shredding: forgets the subjects' data keys, leaving a tombstone row (destroyed_at) so the subject can
   * never be given a new key, and appends one DataKeyDestroyed audit event per subject in the same transaction.
   * Every field sealed under those keys stays where it is and can no longer be opened by anyone. Returns the
   * subjects destroyed now (already-destroyed ones are skipped: erasing twice is not an error).
   */
  async destroy(em: EntityManager, subjectIds: readonly string[], who: AuditActor): Promise<string[]> {
    const ids = distinctIds(subjectIds);
    if (ids.length === 0) return [];
    return em.transactional(async (tx) => {
      const rows = await sql<{ subject_id: string; had_key: boolean }>(
        tx,
        `insert into keyring.data_keys (subject_id, wrapped_key, kek_version, created_at, destroyed_at)
         select id, null, null, now(), now() from unnest(?::uuid[]) as ids(id)
         on conflict (subject_id) do update
           set wrapped_key = null, kek_version = null, destroyed_at = now()
           where keyring.data_keys.destroyed_at is null
         returning subject_id, (xmax <> 0) as had_key`,
        [uuidArrayLiteral(ids)],
      );
      await appendAuditEvents(
        tx,
        who,
        rows.map((row) => ({
          type: "DataKeyDestroyed",
          subjectType: "DataSubject",
          subjectId: row.subject_id,
          // Whether personal data existed for the subject; ids and flags only, never a value.
          data: { hadKey: row.had_key },
        })),
      );
      return rows.map((row) => row.subject_id);
    });
  }

  /** New data keys for `ids`: generated, wrapped in one keyring call, inserted in one statement. */
  private async create(em: EntityManager, ids: readonly string[]): Promise<Created> {
    await this.ensureKek();
    const material = randomBytes(KEY_BYTES * ids.length);
    const keyBytes = (i: number) => material.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES);
    try {
      const wrapped = valuesOrThrow(
        await this.keyring.encrypt(
          this.kekName,
          ids.map((id, i) => ({ plaintext: keyBytes(i), associatedData: wrapBinding(id) })),
        ),
      );
      const inserted = await this.insert(em, ids, wrapped);
      const created = ids.flatMap((id, i) =>
        inserted.has(id) ? [new DataKey(id, createSecretKey(keyBytes(i)))] : [],
      );
      // Lost to a concurrent creator (or the subject existed): ours were never stored, theirs are used.
      return { created, lost: ids.filter((id) => !inserted.has(id)) };
    } finally {
      material.fill(0);
    }
  }

  /** The created keys plus the unwrapped existing ones (one more keyring call), refusing erased subjects. */
  private async withExisting(
    em: EntityManager,
    subjectIds: readonly string[],
    fresh: Created,
    existing: readonly DataKeyRow[],
  ): Promise<Map<string, DataKey>> {
    const others = fresh.lost.length > 0 ? [...existing, ...(await this.select(em, fresh.lost))] : existing;
    refuseErased(others, subjectIds);
    const keys = new Map(fresh.created.map((key) => [key.subjectId, key]));
    for (const key of await this.unwrap(others)) {
      if (key instanceof KeyringError) throw key;
      keys.set(key.subjectId, key);
    }
    return keys;
  }

  private async unwrap(rows: readonly DataKeyRow[]): Promise<Array<DataKey | KeyringError>> {
    if (rows.length === 0) return [];
    const results = await this.keyring.decrypt(
      this.kekName,
      rows.map((row) => ({ ciphertext: row.wrapped_key!, associatedData: wrapBinding(row.subject_id) })),
    );
    return results.map((result, i) => {
      if (!result.ok) return result.error;
      const key = new DataKey(rows[i]!.subject_id, createSecretKey(result.value));
      result.value.fill(0);
      return key;
    });
  }

  private select(em: EntityManager, ids: readonly string[]): Promise<DataKeyRow[]> {
    return sql<DataKeyRow>(
      em,
      "select subject_id, wrapped_key from keyring.data_keys where subject_id = any(?::uuid[])",
      [uuidArrayLiteral(ids)],
    );
  }

  /** Inserts the new wrapped keys; returns the subject ids actually inserted (not lost to a concurrent insert). */
  private async insert(
    em: EntityManager,
    ids: readonly string[],
    wrapped: readonly string[],
  ): Promise<Set<string>> {
    const rows = ids.map((id, i) => [id, wrapped[i]!, versionOf(wrapped[i]!)]);
    const inserted = await sql<{ subject_id: string }>(
      em,
      `insert into keyring.data_keys (subject_id, wrapped_key, kek_version, created_at)
       select (e->>0)::uuid, e->>1, (e->>2)::int, now() from jsonb_array_elements(?::jsonb) as e
       on conflict (subject_id) do nothing
       returning subject_id`,
      [jsonRows(rows)],
    );
    return new Set(inserted.map((row) => row.subject_id));
  }
}

function refuseErased(rows: readonly DataKeyRow[], subjectIds: readonly string[]): void {
  const erased = new Set(rows.filter((row) => row.wrapped_key === null).map((row) => row.subject_id));
  if (erased.size === 0) return;
  const index = subjectIds.findIndex((id) => erased.has(id.toLowerCase()));
  throw new KeyringError("DATA_KEY_DESTROYED", { index });
}

/** PostgreSQL answers uuids in lower case; keys of the maps here must match what it answers. */
function distinctIds(subjectIds: readonly string[]): string[] {
  return [...new Set(subjectIds.map((id) => id.toLowerCase()))];
}

/** What the KEK authenticates with a wrapped data key: which subject it belongs to. */
export function wrapBinding(subjectId: string): Buffer {
  return Buffer.from(`trustid.data-key.v1\0${subjectId}`, "utf8");
}
