import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import pg from "pg";
import { LocalKeyring } from "../../../shared/keyring/local-keyring.js";

/** A local keyring over its own pool on `url`; `master` defaults to a fresh random key. */
export function openLocalKeyring(
  url: string,
  options: { master?: KeyObject; cacheTtlMs?: number } = {},
): LocalKeyring {
  return new LocalKeyring({
    pool: new pg.Pool({ connectionString: url, max: 3 }),
    master: options.master ?? createSecretKey(randomBytes(32)),
    cacheTtlMs: options.cacheTtlMs ?? 5000,
    ownsPool: true,
  });
}
