import { aesGcmOpen, aesGcmSeal, NONCE_BYTES, TAG_BYTES } from "../keyring/aes-gcm.js";
import { KeyringError } from "../keyring/keyring-error.js";
import type { DataKey } from "./data-key.js";

/**
 * One personal field, sealed under its subject's data key:
 *
 *   format(1) = 0x01 || nonce(12) || AES-256-GCM ciphertext || tag(16)     (29 bytes + the value)
 *
 * The associated data binds the value to where it belongs, `trustid.field.v1 \0 table \0 column \0 subject id`:
 * copied to another row, another column or another table, it no longer opens. The format byte leaves room for
 * another algorithm later without guessing from lengths; the "v1" in the binding ties the byte to its meaning.
 */
export const FIELD_FORMAT_V1 = 0x01;
const HEADER = Buffer.from([FIELD_FORMAT_V1]);
export const FIELD_OVERHEAD_BYTES = HEADER.length + NONCE_BYTES + TAG_BYTES;

export interface FieldLocation {
  table: string;
  column: string;
}

/** The binding's constant part for one column; the subject id is appended per record. */
export function fieldBindingPrefix(location: FieldLocation): Buffer {
  for (const part of [location.table, location.column]) {
    // Parts are NUL-separated: a NUL inside one would let two different locations share a binding.
    if (part.length === 0 || part.includes("\0"))
      throw new TypeError("table and column must be non-empty, without NUL");
  }
  return Buffer.from(`trustid.field.v1\0${location.table}\0${location.column}\0`, "utf8");
}

export function fieldBinding(prefix: Buffer, dataKey: DataKey): Buffer {
  return Buffer.concat([prefix, dataKey.subjectIdBytes], prefix.length + dataKey.subjectIdBytes.length);
}

export function sealField(dataKey: DataKey, plaintext: Buffer, location: FieldLocation): Buffer {
  return sealBound(dataKey, plaintext, fieldBinding(fieldBindingPrefix(location), dataKey));
}

/** Throws KeyringError DECRYPT_FAILED (wrong key, tampered, moved) or INVALID_CIPHERTEXT (unknown format). */
export function openField(dataKey: DataKey, sealed: Buffer, location: FieldLocation): Buffer {
  return openBound(
    dataKey,
    sealed,
    fieldBinding(fieldBindingPrefix(location), dataKey),
    `${location.table}.${location.column}`,
  );
}

export function sealBound(dataKey: DataKey, plaintext: Buffer, binding: Buffer): Buffer {
  return aesGcmSeal(dataKey.key, plaintext, binding, HEADER);
}

export function openBound(dataKey: DataKey, sealed: Buffer, binding: Buffer, field: string): Buffer {
  if (sealed.length < FIELD_OVERHEAD_BYTES || sealed[0] !== FIELD_FORMAT_V1) {
    throw new KeyringError("INVALID_CIPHERTEXT", { field });
  }
  const plaintext = aesGcmOpen(dataKey.key, sealed, binding, HEADER.length);
  if (!plaintext) throw new KeyringError("DECRYPT_FAILED", { field });
  return plaintext;
}
