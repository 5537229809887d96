import { KeyringError, type KeyringErrorReason } from "./keyring-error.js";

/**
 * Vault reports transit failures as English sentences (per batch item, or in `errors[]`); these are the ones
 * whose meaning callers need. Matching is on stable fragments of messages from Vault's keysutil/transit code
 * (e.g. "cipher: message authentication failed", "ciphertext or signature version is disallowed by policy
 * (too old)", "no such key version", "invalid ciphertext: no prefix").
 */
const MESSAGE_REASONS: Array<[RegExp, KeyringErrorReason]> = [
  [/message authentication failed/i, "DECRYPT_FAILED"],
  [/disallowed by policy|too old/i, "KEY_VERSION_RETIRED"],
  [/no such key version|too new|invalid key version|greater than the latest/i, "UNKNOWN_KEY_VERSION"],
  [
    /invalid ciphertext|invalid signature|invalid hmac|illegal base64|invalid base64|no prefix|could not be decoded/i,
    "INVALID_CIPHERTEXT",
  ],
  [/permission denied/i, "KEYRING_DENIED"],
  [/not supported for key type|non-AEAD|not supported with key type/i, "UNSUPPORTED_OPERATION"],
  [/not found/i, "KEY_NOT_FOUND"],
];

export function reasonFromVaultMessage(message: unknown): KeyringErrorReason | null {
  if (typeof message !== "string") return null;
  for (const [pattern, reason] of MESSAGE_REASONS) if (pattern.test(message)) return reason;
  return null;
}

/** A failed item of a batch response. */
export function itemError(message: unknown, status: number, keyName: string, index: number): KeyringError {
  const reason = reasonFromVaultMessage(message) ?? (status >= 500 ? "KEYRING_UNAVAILABLE" : "KEYRING_ERROR");
  return new KeyringError(reason, { keyName, index, status, cause: message });
}

/** A whole response that failed (no per-item results to report). */
export function responseError(status: number, body: unknown, keyName: string): KeyringError {
  const errors = (body as { errors?: unknown[] } | null)?.errors;
  const message = Array.isArray(errors) ? errors[0] : undefined;
  let reason: KeyringErrorReason;
  if (status >= 500 || status === 429) reason = "KEYRING_UNAVAILABLE";
  else if (status === 403) reason = "KEYRING_DENIED";
  else if (status === 404) reason = "KEY_NOT_FOUND";
  else reason = reasonFromVaultMessage(message) ?? "KEYRING_ERROR";
  return new KeyringError(reason, { keyName, status, cause: message });
}
