import { createCipheriv, createDecipheriv, type KeyObject, randomFillSync } from "node:crypto";

/**
 * AES-256-GCM in Vault's byte layout: `nonce(12) || ciphertext || tag(16)`, optionally after a caller's header
 * (the envelope's format byte). Random 96-bit nonces: a key encrypts far fewer than 2^32 messages between
 * rotations here (one data key per subject, one KEK wrap per data key), well inside GCM's random-nonce bound.
 */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/**
 * Nonces come from a pooled buffer of CSPRNG output, each 12 bytes handed out once. A randomFillSync per nonce
 * costs more than the AES-GCM of a 25-byte field; one per 1,024 nonces is noise.
 */
const NONCE_POOL_BYTES = NONCE_BYTES * 1024;
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;

function writeNonce(into: Buffer, at: number): void {
  if (nonceOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomFillSync(Buffer.allocUnsafe(NONCE_POOL_BYTES));
    nonceOffset = 0;
  }
  noncePool.copy(into, at, nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
}

export function aesGcmSeal(key: KeyObject, plaintext: Buffer, aad?: Buffer, header?: Buffer): Buffer {
  const headerBytes = header?.length ?? 0;
  const out = Buffer.allocUnsafe(headerBytes + NONCE_BYTES + plaintext.length + TAG_BYTES);
  if (header) header.copy(out, 0);
  writeNonce(out, headerBytes);
  const nonce = out.subarray(headerBytes, headerBytes + NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  if (aad) cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  body.copy(out, headerBytes + NONCE_BYTES);
  // GCM is a stream mode: final() emits nothing, it only computes the tag.
  cipher.final();
  cipher.getAuthTag().copy(out, headerBytes + NONCE_BYTES + body.length);
  return out;
}

/** The plaintext, or null when authentication fails (wrong key, tampered bytes, wrong associated data). */
export function aesGcmOpen(key: KeyObject, sealed: Buffer, aad?: Buffer, headerBytes = 0): Buffer | null {
  if (sealed.length < headerBytes + NONCE_BYTES + TAG_BYTES) return null;
  const nonce = sealed.subarray(headerBytes, headerBytes + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAuthTag(tag);
  if (aad) decipher.setAAD(aad);
  const plaintext = decipher.update(sealed.subarray(headerBytes + NONCE_BYTES, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    return null;
  }
  return plaintext;
}
