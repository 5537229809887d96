import type { DataKey } from "./data-key.js";
import { fieldBinding, fieldBindingPrefix, openBound, sealBound } from "./field-seal.js";

export type SealedRecord<C extends string> = { [K in C]: Buffer | null };
export type OpenedRecord<C extends string> = { [K in C]: string | null };
export type PlainRecord<C extends string> = { [K in C]?: string | null };

/**
 * Seals and opens the personal fields of one table's records. Each field is bound to (table, column, subject
 * id); the bindings' constant parts are computed once per cipher, so sealing a record costs its AES-GCM
 * operations and little else. A null or absent value stays null (not sealed): absence is not personal data.
 *
 * Column names are part of every ciphertext's binding: renaming one means re-sealing its values.
 */
export class FieldCipher<C extends string> {
  private readonly prefixes: ReadonlyArray<readonly [C, Buffer, string]>;

  constructor(
    readonly table: string,
    readonly columns: readonly C[],
  ) {
    if (new Set(columns).size !== columns.length) throw new TypeError("duplicate column");
    this.prefixes = columns.map((column) => [
      column,
      fieldBindingPrefix({ table, column }),
      `${table}.${column}`,
    ]);
  }

  seal(dataKey: DataKey, values: PlainRecord<C>): SealedRecord<C> {
    const sealed = {} as SealedRecord<C>;
    for (const [column, prefix] of this.prefixes) {
      const value = values[column];
      sealed[column] =
        value === null || value === undefined
          ? null
          : sealBound(dataKey, Buffer.from(value, "utf8"), fieldBinding(prefix, dataKey));
    }
    return sealed;
  }

  /** Throws KeyringError (DECRYPT_FAILED, INVALID_CIPHERTEXT) naming the field, never its value. */
  open(dataKey: DataKey, sealed: Partial<Record<C, Buffer | null>>): OpenedRecord<C> {
    const opened = {} as OpenedRecord<C>;
    for (const [column, prefix, field] of this.prefixes) {
      const value = sealed[column];
      opened[column] =
        value === null || value === undefined
          ? null
          : openBound(dataKey, value, fieldBinding(prefix, dataKey), field).toString("utf8");
    }
    return opened;
  }

  /**
   * Seals a batch, all or nothing: every record is sealed before any result is returned, so a caller never
   * holds (or writes) a half-sealed batch. `keys` comes from SubjectKeys.getOrCreate.
   */
  sealAll(
    keys: ReadonlyMap<string, DataKey>,
    records: ReadonlyArray<{ subjectId: string; values: PlainRecord<C> }>,
  ) {
    return records.map(({ subjectId, values }) => {
      // getOrCreate keys its map by PostgreSQL's lower-case uuid text.
      const key = keys.get(subjectId) ?? keys.get(subjectId.toLowerCase());
      if (!key) throw new TypeError("no data key for a record's subject");
      return this.seal(key, values);
    });
  }
}
