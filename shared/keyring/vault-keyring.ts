import {
  type BatchResult,
  type DecryptItem,
  type EncryptItem,
  KEY_TYPES,
  type KeyInfo,
  type Keyring,
  type KeyType,
  okResult,
  type PublicKeyVersion,
  type VerifyItem,
} from "./keyring.js";
import { KeyringError } from "./keyring-error.js";
import { itemError, responseError } from "./vault-error-mapping.js";
import type { VaultTransport } from "./vault-transport.js";

export interface VaultKeyringOptions {
  /** Where the transit engine is mounted (TRUSTID_VAULT_TRANSIT_MOUNT). */
  transitMount: string;
  /** Prepended to every key name (`<prefix>-<name>`), so several deployments can share one transit mount. */
  keyPrefix: string;
  /** Items per HTTP request; larger batches are split (Vault's request size limit is 32 MiB by default). */
  batchMax: number;
}

// biome-ignore lint/suspicious/noExplicitAny: one item of Vault's `batch_results`.
type VaultItem = any;

/**
 * The keyring port over Vault/OpenBao transit. One HTTP request per batch (`batch_input`, split at batchMax);
 * per-item errors come back item by item even when Vault answers the request with 400.
 *
 * Associated data: transit accepts `associated_data` (base64) on encrypt and decrypt for AEAD key types
 * (aes*-gcm96, chacha20-poly1305) since Vault 1.13 (hashicorp/vault#17638), but its rewrap endpoint ignores it (hashicorp/vault#31791),
 * so a ciphertext bound to associated data would fail to rewrap. Such items are rewrapped as decrypt + encrypt
 * in two batched calls; the plaintext stays inside this process, which already holds unwrapped data keys.
 */
export class VaultKeyring implements Keyring {
  readonly driver = "vault";

  constructor(
    private readonly transport: VaultTransport,
    private readonly options: VaultKeyringOptions,
  ) {
    if (!Number.isInteger(options.batchMax) || options.batchMax < 1)
      throw new TypeError("batchMax must be >= 1");
  }

  async ensureKey(keyName: string, type: KeyType): Promise<KeyInfo> {
    let info: KeyInfo;
    try {
      info = await this.keyInfo(keyName);
    } catch (error) {
      if (!(error instanceof KeyringError) || error.reason !== "KEY_NOT_FOUND") throw error;
      // Creating an existing key is a no-op in transit, so a race with another replica is harmless.
      const body = type === "hmac" ? { type, key_size: 32 } : { type };
      const created = await this.transport.write(this.path("keys", keyName), body);
      if (created.status >= 300) throw responseError(created.status, created.body, keyName);
      info = await this.keyInfo(keyName);
    }
    if (info.type !== type) throw new KeyringError("KEY_TYPE_MISMATCH", { keyName });
    return info;
  }

  async keyInfo(keyName: string): Promise<KeyInfo> {
    const data = await this.readKey(keyName);
    const type = data.type as KeyType;
    if (!KEY_TYPES.includes(type)) throw new KeyringError("KEY_TYPE_MISMATCH", { keyName });
    const latestVersion = Number(data.latest_version);
    const minDecryptionVersion = Math.max(1, Number(data.min_decryption_version ?? 1));
    const versions: number[] = [];
    for (let v = minDecryptionVersion; v <= latestVersion; v++) versions.push(v);
    return { name: keyName, type, latestVersion, minDecryptionVersion, versions };
  }

  async rotate(keyName: string): Promise<number> {
    // Not the node-vault `rotate()` helper: that one rotates Vault's own barrier key.
    const response = await this.transport.write(
      this.path("keys", keyName, "rotate"),
      {},
      { idempotent: false },
    );
    if (response.status >= 300) throw responseError(response.status, response.body, keyName);
    return (await this.keyInfo(keyName)).latestVersion;
  }

  async setMinDecryptionVersion(keyName: string, version: number): Promise<KeyInfo> {
    const response = await this.transport.write(this.path("keys", keyName, "config"), {
      min_decryption_version: version,
    });
    if (response.status >= 300) throw responseError(response.status, response.body, keyName);
    return this.keyInfo(keyName);
  }

  encrypt(keyName: string, items: readonly EncryptItem[]): Promise<BatchResult<string>> {
    return this.batch(
      "encrypt",
      keyName,
      items,
      (item) => withAssociatedData({ plaintext: item.plaintext.toString("base64") }, item.associatedData),
      (result) => String(result.ciphertext),
    );
  }

  decrypt(keyName: string, items: readonly DecryptItem[]): Promise<BatchResult<Buffer>> {
    return this.batch(
      "decrypt",
      keyName,
      items,
      (item) => withAssociatedData({ ciphertext: item.ciphertext }, item.associatedData),
      (result) => Buffer.from(String(result.plaintext ?? ""), "base64"),
    );
  }

  async rewrap(keyName: string, items: readonly DecryptItem[]): Promise<BatchResult<string>> {
    const results: BatchResult<string> = new Array(items.length);
    const plain: number[] = [];
    const bound: number[] = [];
    items.forEach((item, i) => {
      (item.associatedData?.length ? bound : plain).push(i);
    });
    if (plain.length > 0) {
      const rewrapped = await this.batch(
        "rewrap",
        keyName,
        plain.map((i) => items[i]!),
        (item) => ({ ciphertext: item.ciphertext }),
        (result) => String(result.ciphertext),
      );
      plain.forEach((original, j) => {
        results[original] = reindex(rewrapped[j]!, original);
      });
    }
    if (bound.length > 0) {
      const reencrypted = await this.decryptThenEncrypt(
        keyName,
        bound.map((i) => items[i]!),
      );
      bound.forEach((original, j) => {
        results[original] = reindex(reencrypted[j]!, original);
      });
    }
    return results;
  }

  /** Rewrap for ciphertexts bound to associated data, which Vault's /rewrap ignores: two batched calls. */
  private async decryptThenEncrypt(
    keyName: string,
    items: readonly DecryptItem[],
  ): Promise<BatchResult<string>> {
    const opened = await this.decrypt(keyName, items);
    const results: BatchResult<string> = new Array(items.length);
    const toSeal: EncryptItem[] = [];
    const positions: number[] = [];
    opened.forEach((result, i) => {
      if (result.ok) {
        positions.push(i);
        toSeal.push({ plaintext: result.value, associatedData: items[i]!.associatedData });
      } else {
        results[i] = result;
      }
    });
    try {
      const sealed = await this.encrypt(keyName, toSeal);
      positions.forEach((i, k) => {
        results[i] = reindex(sealed[k]!, i);
      });
      return results;
    } finally {
      for (const item of toSeal) item.plaintext.fill(0);
    }
  }

  hmac(
    keyName: string,
    inputs: readonly Buffer[],
    options: { keyVersion?: number } = {},
  ): Promise<BatchResult<string>> {
    return this.batch(
      "hmac",
      keyName,
      inputs,
      (input) => ({ input: input.toString("base64") }),
      (result) => String(result.hmac),
      options.keyVersion === undefined ? {} : { key_version: options.keyVersion },
    );
  }

  sign(keyName: string, inputs: readonly Buffer[]): Promise<BatchResult<string>> {
    return this.batch(
      "sign",
      keyName,
      inputs,
      (input) => ({ input: input.toString("base64") }),
      (result) => String(result.signature),
    );
  }

  verify(keyName: string, items: readonly VerifyItem[]): Promise<BatchResult<boolean>> {
    return this.batch(
      "verify",
      keyName,
      items,
      (item) => ({ input: item.input.toString("base64"), signature: item.signature }),
      (result) => result.valid === true,
    );
  }

  async publicKeys(keyName: string): Promise<PublicKeyVersion[]> {
    const data = await this.readKey(keyName);
    if (data.type !== "ed25519") throw new KeyringError("UNSUPPORTED_OPERATION", { keyName });
    const min = Math.max(1, Number(data.min_decryption_version ?? 1));
    return Object.entries((data.keys ?? {}) as Record<string, { public_key?: string }>)
      .map(([version, entry]) => ({
        version: Number(version),
        publicKey: Buffer.from(entry.public_key ?? "", "base64"),
      }))
      .filter((k) => k.version >= min && k.publicKey.length === 32)
      .sort((a, b) => a.version - b.version);
  }

  async close(): Promise<void> {}

  // biome-ignore lint/suspicious/noExplicitAny: the `data` of GET <mount>/keys/<name>.
  private async readKey(keyName: string): Promise<any> {
    const response = await this.transport.read(this.path("keys", keyName));
    if (response.status >= 300) throw responseError(response.status, response.body, keyName);
    const data = response.body?.data;
    if (!data || typeof data.type !== "string") throw new KeyringError("KEYRING_ERROR", { keyName });
    return data;
  }

  private async batch<I, T>(
    operation: string,
    keyName: string,
    items: readonly I[],
    toInput: (item: I) => Record<string, unknown>,
    fromResult: (result: VaultItem) => T,
    extra: Record<string, unknown> = {},
  ): Promise<BatchResult<T>> {
    const results: BatchResult<T> = [];
    const path = this.path(operation, keyName);
    for (let offset = 0; offset < items.length; offset += this.options.batchMax) {
      const chunk = items.slice(offset, offset + this.options.batchMax);
      const response = await this.transport.write(path, { ...extra, batch_input: chunk.map(toInput) });
      const batch = response.body?.data?.batch_results as VaultItem[] | undefined;
      if (!Array.isArray(batch) || batch.length !== chunk.length) {
        if (response.status < 300)
          throw new KeyringError("KEYRING_ERROR", { keyName, status: response.status });
        throw responseError(response.status, response.body, keyName);
      }
      batch.forEach((result, i) => {
        results.push(
          result?.error
            ? { ok: false, error: itemError(result.error, response.status, keyName, offset + i) }
            : okResult(fromResult(result)),
        );
      });
    }
    return results;
  }

  private path(operation: string, keyName: string, suffix?: string): string {
    const name = encodeURIComponent(`${this.options.keyPrefix}-${keyName}`);
    return operation === "keys"
      ? `${this.options.transitMount}/keys/${name}${suffix ? `/${suffix}` : ""}`
      : `${this.options.transitMount}/${operation}/${name}`;
  }
}

function withAssociatedData(
  input: Record<string, unknown>,
  associatedData?: Buffer,
): Record<string, unknown> {
  // Vault skips an empty associated_data; so must we, or "" and absent would differ between adapters.
  if (associatedData && associatedData.length > 0) input.associated_data = associatedData.toString("base64");
  return input;
}

/** A sub-batch's result moved to its position in the caller's batch. */
function reindex<T>(result: BatchResult<T>[number], index: number): BatchResult<T>[number] {
  return result.ok ? result : { ok: false, error: result.error.atIndex(index) };
}
