import type pg from "pg";
import type { KeyType } from "./keyring.js";

export interface StoredKey {
  name: string;
  type: KeyType;
  latestVersion: number;
  minDecryptionVersion: number;
}

export interface StoredVersion {
  version: number;
  /** The version's material, sealed by the master key (see local-key-material.ts). */
  wrappedMaterial: Buffer;
  /** Raw Ed25519 public key; null for symmetric keys. */
  publicKey: Buffer | null;
}

export interface NewVersion {
  wrappedMaterial: Buffer;
  publicKey: Buffer | null;
}

/**
 * The local keyring's tables (`keyring.keys`, `keyring.key_versions`). Versions are append-only: a version's
 * material never changes once written, so any process may cache it forever; only the key row's
 * latest/minimum versions move, under a row lock, so two processes rotating at once get two versions.
 */
export class LocalKeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async readKey(name: string): Promise<StoredKey | null> {
    const { rows } = await this.pool.query<{
      type: KeyType;
      latest_version: number;
      min_decryption_version: number;
    }>("select type, latest_version, min_decryption_version from keyring.keys where name = $1", [name]);
    const row = rows[0];
    if (!row) return null;
    return {
      name,
      type: row.type,
      latestVersion: row.latest_version,
      minDecryptionVersion: row.min_decryption_version,
    };
  }

  async readVersions(name: string, aboveVersion: number): Promise<StoredVersion[]> {
    const { rows } = await this.pool.query<{
      version: number;
      wrapped_material: Buffer;
      public_key: Buffer | null;
    }>(
      `select version, wrapped_material, public_key from keyring.key_versions
        where key_name = $1 and version > $2 order by version`,
      [name, aboveVersion],
    );
    return rows.map((r) => ({
      version: r.version,
      wrappedMaterial: r.wrapped_material,
      publicKey: r.public_key,
    }));
  }

  /** Creates the key with its first version; false when another process created it first. */
  async createKey(name: string, type: KeyType, first: NewVersion): Promise<boolean> {
    return this.inTransaction(async (client) => {
      const inserted = await client.query(
        `insert into keyring.keys (name, type, latest_version, min_decryption_version, created_at, updated_at)
         values ($1, $2, 1, 1, now(), now()) on conflict (name) do nothing`,
        [name, type],
      );
      if (inserted.rowCount === 0) return false;
      await client.query(
        `insert into keyring.key_versions (key_name, version, wrapped_material, public_key, created_at)
         values ($1, 1, $2, $3, now())`,
        [name, first.wrappedMaterial, first.publicKey],
      );
      return true;
    });
  }

  /** Appends the next version; `build` seals material for that version number (it is bound into the seal). */
  async addVersion(name: string, build: (version: number) => NewVersion): Promise<number | null> {
    return this.inTransaction(async (client) => {
      const { rows } = await client.query<{ latest_version: number }>(
        "select latest_version from keyring.keys where name = $1 for update",
        [name],
      );
      const row = rows[0];
      if (!row) return null;
      const version = row.latest_version + 1;
      const next = build(version);
      await client.query(
        `insert into keyring.key_versions (key_name, version, wrapped_material, public_key, created_at)
         values ($1, $2, $3, $4, now())`,
        [name, version, next.wrappedMaterial, next.publicKey],
      );
      await client.query("update keyring.keys set latest_version = $2, updated_at = now() where name = $1", [
        name,
        version,
      ]);
      return version;
    });
  }

  async setMinDecryptionVersion(name: string, version: number): Promise<void> {
    await this.pool.query(
      "update keyring.keys set min_decryption_version = $2, updated_at = now() where name = $1",
      [name, version],
    );
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      const result = await work(client);
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
