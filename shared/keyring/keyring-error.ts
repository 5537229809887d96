import { type ErrorCode, TrustIdError } from "../errors.js";

/**
 * Stable machine reasons for everything that can go wrong with keys. Callers branch on these, operators grep
 * for them, and both adapters (Vault transit and the local keyring) report the same reason for the same fault.
 */
export type KeyringErrorReason =
  /** The keyring did not answer (network error, timeout, 5xx) after the configured retries. */
  | "KEYRING_UNAVAILABLE"
  /** The keyring refused our credentials (Vault 403 after a fresh login). */
  | "KEYRING_DENIED"
  /** Authentication failed: wrong key, tampered ciphertext or wrong associated data. */
  | "DECRYPT_FAILED"
  /** Not a `vault:v<N>:<base64>` string, or a field ciphertext of an unknown format. */
  | "INVALID_CIPHERTEXT"
  /** The ciphertext names a key version the key does not have. */
  | "UNKNOWN_KEY_VERSION"
  /** The version is below the key's minimum decryption version. */
  | "KEY_VERSION_RETIRED"
  | "KEY_NOT_FOUND"
  /** The key exists with another type than the one asked for. */
  | "KEY_TYPE_MISMATCH"
  /** The operation does not apply to this key's type (e.g. sign with an AES key). */
  | "UNSUPPORTED_OPERATION"
  /** The data subject's key was destroyed (crypto-shredding): its personal data is gone for good. */
  | "DATA_KEY_DESTROYED"
  /** Production without a master key for the local keyring. */
  | "MASTER_KEY_MISSING"
  /** The master key cannot open the stored key versions (a different TRUSTID_MASTER_KEY than the one used). */
  | "MASTER_KEY_MISMATCH"
  /** Anything else the keyring reported. */
  | "KEYRING_ERROR";

const MESSAGES: Record<KeyringErrorReason, string> = {
  KEYRING_UNAVAILABLE: "The keyring is unavailable",
  KEYRING_DENIED: "The keyring refused the service's credentials",
  DECRYPT_FAILED: "Decryption failed: wrong key, tampered ciphertext or wrong associated data",
  INVALID_CIPHERTEXT: "The ciphertext is malformed",
  UNKNOWN_KEY_VERSION: "The ciphertext names an unknown key version",
  KEY_VERSION_RETIRED: "The key version is retired (below the minimum decryption version)",
  KEY_NOT_FOUND: "The key does not exist",
  KEY_TYPE_MISMATCH: "The key exists with another type",
  UNSUPPORTED_OPERATION: "The operation is not supported by this key's type",
  DATA_KEY_DESTROYED: "The personal data was erased",
  MASTER_KEY_MISSING: "TRUSTID_MASTER_KEY (or TRUSTID_MASTER_KEY_FILE) is required in production",
  MASTER_KEY_MISMATCH:
    "The master key cannot open the stored keyring (is TRUSTID_MASTER_KEY the one it was created with?)",
  KEYRING_ERROR: "The keyring reported an error",
};

function codeFor(reason: KeyringErrorReason): ErrorCode {
  if (reason === "KEYRING_UNAVAILABLE") return "SERVICE_UNAVAILABLE";
  // The data no longer exists: for a client this is "gone", not a server fault.
  if (reason === "DATA_KEY_DESTROYED") return "NOT_FOUND";
  return "INTERNAL";
}

export interface KeyringErrorDetails {
  /** The key's logical name (never key material). */
  keyName?: string;
  /** Position of the failed item in the batch, for per-item failures. */
  index?: number;
  /** `table.column` of a sealed field that failed to open. */
  field?: string;
  /** HTTP status from Vault, when there was one. */
  status?: number;
  /** The underlying error (network error, Vault's message); kept off the client message. */
  cause?: unknown;
}

/**
 * A keyring failure. The message is fixed per reason and carries no plaintext, key material or ciphertext:
 * only the reason, the key name and the item index travel, so it is safe to log and to return to a client.
 */
export class KeyringError extends TrustIdError {
  readonly keyName?: string;
  readonly index?: number;
  readonly field?: string;
  readonly status?: number;

  constructor(
    override readonly reason: KeyringErrorReason,
    details: KeyringErrorDetails = {},
  ) {
    const where = [
      details.keyName ? `key ${details.keyName}` : undefined,
      details.field ? `field ${details.field}` : undefined,
      details.index !== undefined ? `item ${details.index}` : undefined,
    ]
      .filter(Boolean)
      .join(", ");
    super(codeFor(reason), where ? `${MESSAGES[reason]} (${where})` : MESSAGES[reason], reason);
    this.keyName = details.keyName;
    this.index = details.index;
    this.field = details.field;
    this.status = details.status;
    // Non-enumerable: a logger serialising the error must not walk into a Vault response or a socket.
    if (details.cause !== undefined)
      Object.defineProperty(this, "cause", { value: details.cause, enumerable: false });
  }

  /** The same failure attributed to one item of a batch. */
  atIndex(index: number): KeyringError {
    return new KeyringError(this.reason, {
      keyName: this.keyName,
      field: this.field,
      index,
      status: this.status,
      cause: this.cause,
    });
  }
}

export function isKeyringError(error: unknown, reason?: KeyringErrorReason): error is KeyringError {
  return error instanceof KeyringError && (reason === undefined || error.reason === reason);
}
