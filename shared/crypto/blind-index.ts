import { type Keyring, valuesOrThrow } from "../keyring/keyring.js";
import { parseVersioned } from "../keyring/versioned-value.js";
import { BLIND_INDEX_KEY_NAME } from "./key-names.js";

export interface BlindIndexOptions {
  keyName?: string;
  /**
   * The key version the index is computed with. Pinned, because an index is only useful if the same value
   * always yields the same token; moving to another version means recomputing every stored token.
   */
  keyVersion?: number;
}

/**
 * Equality search over encrypted values: HMAC-SHA256 of the normalised value under a dedicated keyring key,
 * as an unpadded base64url string (43 characters) fit for a unique index column. Each kind (`email`, `phone`)
 * is domain-separated, so equal strings of different kinds never share a token.
 *
 * Callers normalise first (lower-cased email, E.164 phone): the index matches exactly what it is given.
 * With the local keyring the HMAC is computed in-process from the cached key; with Vault it is one transit
 * `hmac` batch per call.
 */
export class BlindIndex {
  readonly keyName: string;
  readonly keyVersion: number;
  private keyReady: Promise<unknown> | null = null;

  constructor(
    private readonly keyring: Keyring,
    options: BlindIndexOptions = {},
  ) {
    this.keyName = options.keyName ?? BLIND_INDEX_KEY_NAME;
    this.keyVersion = options.keyVersion ?? 1;
  }

  /** Creates the index key on first use (idempotent, once per process). */
  ensureKey(): Promise<unknown> {
    this.keyReady ??= this.keyring.ensureKey(this.keyName, "hmac").catch((error) => {
      this.keyReady = null;
      throw error;
    });
    return this.keyReady;
  }

  async compute(kind: string, normalisedValues: readonly string[]): Promise<string[]> {
    if (normalisedValues.length === 0) return [];
    if (kind.length === 0 || kind.includes("\0")) throw new TypeError("kind must be non-empty, without NUL");
    await this.ensureKey();
    const prefix = `trustid.blind-index.v1\0${kind}\0`;
    const macs = valuesOrThrow(
      await this.keyring.hmac(
        this.keyName,
        normalisedValues.map((value) => Buffer.from(prefix + value, "utf8")),
        { keyVersion: this.keyVersion },
      ),
    );
    return macs.map((mac) => {
      const parsed = parseVersioned(mac);
      if (!parsed) throw new TypeError("keyring returned a malformed hmac");
      return parsed.bytes.toString("base64url");
    });
  }

  async computeOne(kind: string, normalisedValue: string): Promise<string> {
    return (await this.compute(kind, [normalisedValue]))[0]!;
  }
}
