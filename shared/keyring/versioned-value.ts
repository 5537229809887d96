/**
 * Vault transit's envelope for ciphertexts, signatures and HMACs: `vault:v<version>:<standard base64>`. Both
 * adapters read and write exactly this, so stored values have one shape whichever adapter wrote them, and the
 * version (which KEK version wrapped a data key) can be read without asking the keyring.
 */
const PREFIX = "vault:v";
const PATTERN = /^vault:v([1-9][0-9]{0,8}):([A-Za-z0-9+/]*={0,2})$/;

export interface VersionedValue {
  version: number;
  bytes: Buffer;
}

export function formatVersioned(version: number, bytes: Buffer): string {
  return `${PREFIX}${version}:${bytes.toString("base64")}`;
}

/** The version and payload, or null when the string is not in the format (the caller picks the error). */
export function parseVersioned(value: string): VersionedValue | null {
  const match = PATTERN.exec(value);
  if (!match) return null;
  const payload = match[2]!;
  if (payload.length % 4 !== 0) return null;
  return { version: Number(match[1]), bytes: Buffer.from(payload, "base64") };
}

/** Just the version, without decoding the payload (cheap; used to record which KEK version wrapped a key). */
export function versionOf(value: string): number | null {
  if (!value.startsWith(PREFIX)) return null;
  const end = value.indexOf(":", PREFIX.length);
  if (end < 0) return null;
  const version = Number(value.slice(PREFIX.length, end));
  return Number.isSafeInteger(version) && version > 0 ? version : null;
}
