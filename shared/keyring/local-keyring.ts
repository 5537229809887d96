import { createHmac, sign as ed25519Sign, verify as ed25519Verify, type KeyObject } from "node:crypto";
import type pg from "pg";
import { aesGcmOpen, aesGcmSeal } from "./aes-gcm.js";
import {
  type BatchResult,
  type DecryptItem,
  type EncryptItem,
  errorResult,
  type KeyInfo,
  type Keyring,
  type KeyType,
  okResult,
  type PublicKeyVersion,
  type VerifyItem,
} from "./keyring.js";
import { KeyringError } from "./keyring-error.js";
import { generateVersion, type LoadedVersion, loadVersion } from "./local-key-material.js";
import { LocalKeyStore, type StoredKey } from "./local-key-store.js";
import { formatVersioned, parseVersioned, versionOf } from "./versioned-value.js";

export interface LocalKeyringOptions {
  pool: pg.Pool;
  master: KeyObject;
  /** How long key metadata is trusted for reads before it is read again (0: always read). */
  cacheTtlMs: number;
  /** Whether close() ends the pool (true when the keyring opened it). */
  ownsPool?: boolean;
}

interface KeyState {
  meta: StoredKey;
  fetchedAt: number;
  /** Order in which loads started, so a slow older load never overwrites a newer state. */
  sequence: number;
  versions: Map<number, LoadedVersion>;
}

/**
 * The embedded keyring: Vault transit's semantics and formats, with key versions in PostgreSQL sealed by the
 * master key, and unsealed versions cached in memory.
 *
 * Freshness: version material never changes, so it is cached for the life of the process. Metadata (latest and
 * minimum decryption version) moves when any process rotates or retires: writes (encrypt, rewrap, sign, hmac
 * with the latest version) read it fresh, so no process keeps wrapping with a version another process has
 * already rotated away from; reads trust it for `cacheTtlMs`, and a ciphertext naming a newer version than the
 * cached latest forces a reload, so another process's rotation is seen at once.
 */
export class LocalKeyring implements Keyring {
  readonly driver = "local";
  private readonly store: LocalKeyStore;
  private readonly states = new Map<string, KeyState>();
  private readonly loading = new Map<string, Promise<KeyState>>();
  private loads = 0;

  constructor(private readonly options: LocalKeyringOptions) {
    this.store = new LocalKeyStore(options.pool);
  }

  async ensureKey(keyName: string, type: KeyType): Promise<KeyInfo> {
    let meta = await this.store.readKey(keyName);
    if (!meta) {
      await this.store.createKey(keyName, type, generateVersion(this.options.master, keyName, 1, type));
      meta = await this.store.readKey(keyName);
    }
    if (!meta) throw new KeyringError("KEY_NOT_FOUND", { keyName });
    if (meta.type !== type) throw new KeyringError("KEY_TYPE_MISMATCH", { keyName });
    return toKeyInfo((await this.state(keyName, true)).meta);
  }

  async keyInfo(keyName: string): Promise<KeyInfo> {
    return toKeyInfo((await this.state(keyName, true)).meta);
  }

  async rotate(keyName: string): Promise<number> {
    const meta = await this.requireMeta(keyName);
    const version = await this.store.addVersion(keyName, (v) =>
      generateVersion(this.options.master, keyName, v, meta.type),
    );
    if (version === null) throw new KeyringError("KEY_NOT_FOUND", { keyName });
    await this.state(keyName, true);
    return version;
  }

  async setMinDecryptionVersion(keyName: string, version: number): Promise<KeyInfo> {
    const meta = await this.requireMeta(keyName);
    if (!Number.isInteger(version) || version < 1 || version > meta.latestVersion) {
      throw new KeyringError("UNKNOWN_KEY_VERSION", { keyName });
    }
    await this.store.setMinDecryptionVersion(keyName, version);
    return toKeyInfo((await this.state(keyName, true)).meta);
  }

  async encrypt(keyName: string, items: readonly EncryptItem[]): Promise<BatchResult<string>> {
    const state = await this.state(keyName, true);
    const latest = this.latest(state, "aes256-gcm96");
    const key = latest.aes!;
    return items.map((item) =>
      okResult(formatVersioned(latest.version, aesGcmSeal(key, item.plaintext, item.associatedData))),
    );
  }

  async decrypt(keyName: string, items: readonly DecryptItem[]): Promise<BatchResult<Buffer>> {
    const state = await this.stateFor(
      keyName,
      items.map((i) => i.ciphertext),
    );
    requireType(state, "aes256-gcm96");
    return items.map((item, index) => this.open(state, item, index));
  }

  async rewrap(keyName: string, items: readonly DecryptItem[]): Promise<BatchResult<string>> {
    const state = await this.state(keyName, true);
    const latest = this.latest(state, "aes256-gcm96");
    return items.map((item, index) => {
      const opened = this.open(state, item, index);
      if (!opened.ok) return opened;
      const sealed = aesGcmSeal(latest.aes!, opened.value, item.associatedData);
      opened.value.fill(0);
      return okResult(formatVersioned(latest.version, sealed));
    });
  }

  async hmac(
    keyName: string,
    inputs: readonly Buffer[],
    options: { keyVersion?: number } = {},
  ): Promise<BatchResult<string>> {
    let version: LoadedVersion;
    if (options.keyVersion === undefined) {
      version = this.latest(await this.state(keyName, true), "aes256-gcm96", "hmac");
    } else {
      let state = await this.state(keyName, false);
      if (options.keyVersion > state.meta.latestVersion) state = await this.state(keyName, true);
      requireType(state, "aes256-gcm96", "hmac");
      const pinned = state.versions.get(options.keyVersion);
      if (!pinned) throw new KeyringError("UNKNOWN_KEY_VERSION", { keyName });
      version = pinned;
    }
    const key = version.hmac!;
    return inputs.map((input) =>
      okResult(formatVersioned(version.version, createHmac("sha256", key).update(input).digest())),
    );
  }

  async sign(keyName: string, inputs: readonly Buffer[]): Promise<BatchResult<string>> {
    const latest = this.latest(await this.state(keyName, true), "ed25519");
    return inputs.map((input) =>
      okResult(formatVersioned(latest.version, ed25519Sign(null, input, latest.privateKey!))),
    );
  }

  async verify(keyName: string, items: readonly VerifyItem[]): Promise<BatchResult<boolean>> {
    const state = await this.stateFor(
      keyName,
      items.map((i) => i.signature),
    );
    requireType(state, "ed25519");
    return items.map((item, index) => {
      const parsed = parseVersioned(item.signature);
      if (!parsed) return errorResult(new KeyringError("INVALID_CIPHERTEXT", { keyName, index }));
      const version = this.usableVersion(state, parsed.version, index);
      if (version instanceof KeyringError) return errorResult(version);
      try {
        return okResult(ed25519Verify(null, item.input, version.publicKey!, parsed.bytes));
      } catch {
        // A signature of the wrong length is simply not a valid signature.
        return okResult(false);
      }
    });
  }

  async publicKeys(keyName: string): Promise<PublicKeyVersion[]> {
    const state = await this.state(keyName, true);
    requireType(state, "ed25519");
    return [...state.versions.values()]
      .filter((v) => v.version >= state.meta.minDecryptionVersion)
      .sort((a, b) => a.version - b.version)
      .map((v) => ({ version: v.version, publicKey: Buffer.from(v.publicRaw!) }));
  }

  async close(): Promise<void> {
    this.states.clear();
    if (this.options.ownsPool) await this.options.pool.end();
  }

  private open(state: KeyState, item: DecryptItem, index: number) {
    const keyName = state.meta.name;
    const parsed = parseVersioned(item.ciphertext);
    if (!parsed) return errorResult<Buffer>(new KeyringError("INVALID_CIPHERTEXT", { keyName, index }));
    const version = this.usableVersion(state, parsed.version, index);
    if (version instanceof KeyringError) return errorResult<Buffer>(version);
    const plaintext = aesGcmOpen(version.aes!, parsed.bytes, item.associatedData);
    if (!plaintext) return errorResult<Buffer>(new KeyringError("DECRYPT_FAILED", { keyName, index }));
    return okResult(plaintext);
  }

  private usableVersion(state: KeyState, version: number, index: number): LoadedVersion | KeyringError {
    const keyName = state.meta.name;
    if (version < state.meta.minDecryptionVersion)
      return new KeyringError("KEY_VERSION_RETIRED", { keyName, index });
    return state.versions.get(version) ?? new KeyringError("UNKNOWN_KEY_VERSION", { keyName, index });
  }

  private latest(state: KeyState, ...types: KeyType[]): LoadedVersion {
    requireType(state, ...types);
    const latest = state.versions.get(state.meta.latestVersion);
    if (!latest) throw new KeyringError("UNKNOWN_KEY_VERSION", { keyName: state.meta.name });
    return latest;
  }

  /** The state for reading these versioned values: cached, unless one of them is newer than what we know. */
  private async stateFor(keyName: string, values: readonly string[]): Promise<KeyState> {
    const state = await this.state(keyName, false);
    const newest = values.reduce((max, v) => Math.max(max, versionOf(v) ?? 0), 0);
    return newest > state.meta.latestVersion ? this.state(keyName, true) : state;
  }

  private async requireMeta(keyName: string): Promise<StoredKey> {
    const meta = await this.store.readKey(keyName);
    if (!meta) throw new KeyringError("KEY_NOT_FOUND", { keyName });
    return meta;
  }

  private async state(keyName: string, fresh: boolean): Promise<KeyState> {
    const cached = this.states.get(keyName);
    if (cached && !fresh && Date.now() - cached.fetchedAt < this.options.cacheTtlMs) return cached;
    // Concurrent reads of a cold key share one load instead of each reading and unsealing. A fresh read never
    // joins a load already under way: it may have started before the change the caller needs to see.
    const inflight = fresh ? undefined : this.loading.get(keyName);
    if (inflight) return inflight;
    const load = this.load(keyName, cached).finally(() => {
      if (this.loading.get(keyName) === load) this.loading.delete(keyName);
    });
    this.loading.set(keyName, load);
    return load;
  }

  private async load(keyName: string, cached: KeyState | undefined): Promise<KeyState> {
    const sequence = ++this.loads;
    const meta = await this.store.readKey(keyName);
    if (!meta) {
      this.states.delete(keyName);
      throw new KeyringError("KEY_NOT_FOUND", { keyName });
    }
    const versions =
      cached && cached.meta.type === meta.type ? cached.versions : new Map<number, LoadedVersion>();
    const known = versions.size === 0 ? 0 : Math.max(...versions.keys());
    if (meta.latestVersion > known) {
      for (const stored of await this.store.readVersions(keyName, known)) {
        versions.set(stored.version, loadVersion(this.options.master, keyName, meta.type, stored));
      }
    }
    const state: KeyState = { meta, fetchedAt: Date.now(), sequence, versions };
    // Loads can finish out of order: an older read of the metadata must not replace a newer one.
    const current = this.states.get(keyName);
    if (!current || current.sequence < sequence) this.states.set(keyName, state);
    return state;
  }
}

function requireType(state: KeyState, ...types: KeyType[]): void {
  if (!types.includes(state.meta.type)) {
    throw new KeyringError("UNSUPPORTED_OPERATION", { keyName: state.meta.name });
  }
}

function toKeyInfo(meta: StoredKey): KeyInfo {
  const versions: number[] = [];
  for (let v = meta.minDecryptionVersion; v <= meta.latestVersion; v++) versions.push(v);
  return {
    name: meta.name,
    type: meta.type,
    latestVersion: meta.latestVersion,
    minDecryptionVersion: meta.minDecryptionVersion,
    versions,
  };
}
