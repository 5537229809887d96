import type { KeyringError } from "./keyring-error.js";

/**
 * The keyring port: named, versioned keys whose material never leaves the keyring (Vault transit, or the
 * embedded local keyring). Every operation takes a batch, because every caller has one (an ingest chunk, a
 * GraphQL request's rows, a rotation page): one round trip per batch, never one per item.
 *
 * Failure model: a call rejects with a KeyringError only when the call as a whole failed (keyring unreachable,
 * credentials refused, key missing). A problem with one item (tampered ciphertext, retired version, ...) is
 * reported in that item's result, so one bad item never fails the others. `valuesOrThrow` turns a batch into
 * plain values for callers that cannot use a partial result.
 *
 * Formats follow Vault transit in both adapters, so stored values do not depend on the adapter:
 * ciphertexts, signatures and HMACs are all `vault:v<N>:<base64>`.
 */
export interface Keyring {
  /** Which adapter this is ("local" | "vault"), for /readyz and logs. */
  readonly driver: string;

  /** Creates the key if it does not exist; fails with KEY_TYPE_MISMATCH if it exists with another type. */
  ensureKey(keyName: string, type: KeyType): Promise<KeyInfo>;
  keyInfo(keyName: string): Promise<KeyInfo>;
  /** Adds a version; new encryptions use it, older versions still decrypt. Returns the new latest version. */
  rotate(keyName: string): Promise<number>;
  /** Versions below `version` stop decrypting/verifying (the end of a rotation). */
  setMinDecryptionVersion(keyName: string, version: number): Promise<KeyInfo>;

  /** AES-256-GCM with the latest version; `associatedData` is authenticated, not stored. */
  encrypt(keyName: string, items: readonly EncryptItem[]): Promise<BatchResult<string>>;
  decrypt(keyName: string, items: readonly DecryptItem[]): Promise<BatchResult<Buffer>>;
  /** Re-encrypts under the latest version without returning plaintext to the caller. */
  rewrap(keyName: string, items: readonly DecryptItem[]): Promise<BatchResult<string>>;

  /** HMAC-SHA256; `keyVersion` pins a version (blind indexes must not change when the key rotates). */
  hmac(
    keyName: string,
    inputs: readonly Buffer[],
    options?: { keyVersion?: number },
  ): Promise<BatchResult<string>>;
  /** Ed25519 signatures over the raw input. */
  sign(keyName: string, inputs: readonly Buffer[]): Promise<BatchResult<string>>;
  /** `value: false` for a signature that does not verify; an error only for an unusable signature string. */
  verify(keyName: string, items: readonly VerifyItem[]): Promise<BatchResult<boolean>>;
  /** Public keys of an Ed25519 key, one per live version (for DID documents and verifiers). */
  publicKeys(keyName: string): Promise<PublicKeyVersion[]>;

  /** Releases connections (database pool, HTTP agents). */
  close(): Promise<void>;
}

export const KEY_TYPES = ["aes256-gcm96", "ed25519", "hmac"] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface EncryptItem {
  plaintext: Buffer;
  /** Authenticated but not encrypted (AEAD associated data): the same bytes must be given to decrypt. */
  associatedData?: Buffer;
}

export interface DecryptItem {
  ciphertext: string;
  associatedData?: Buffer;
}

export interface VerifyItem {
  input: Buffer;
  signature: string;
}

export interface KeyInfo {
  name: string;
  type: KeyType;
  latestVersion: number;
  minDecryptionVersion: number;
  /** Versions that still decrypt/verify (minDecryptionVersion..latestVersion). */
  versions: number[];
}

export interface PublicKeyVersion {
  version: number;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
}

export type ItemResult<T> = { ok: true; value: T } | { ok: false; error: KeyringError };
export type BatchResult<T> = ItemResult<T>[];

/** The values of a batch, in order; throws the first item's error if any item failed. */
export function valuesOrThrow<T>(results: BatchResult<T>): T[] {
  const values: T[] = new Array(results.length);
  for (let i = 0; i < results.length; i++) {
    const result = results[i]!;
    if (!result.ok) throw result.error;
    values[i] = result.value;
  }
  return values;
}

export function okResult<T>(value: T): ItemResult<T> {
  return { ok: true, value };
}

export function errorResult<T>(error: KeyringError): ItemResult<T> {
  return { ok: false, error };
}
