import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Config } from "../config.js";
import { readOrCreateSecretFile, readSecretFile } from "./secret-file.js";

export const DEV_KEY_ALG = "EdDSA";
export const DEV_KEY_ID = "trustid-dev";
const DEV_KEY_FILE = "dev-jwt-key.json";

/**
 * The development token key: an Ed25519 pair under the data directory (0600), made on first use. Only a
 * non-production stack with no JWKS URL or public key configured trusts it.
 */
export async function devSigningJwk(config: Config): Promise<JWK> {
  if (config.production) throw new Error("development tokens are refused in production");
  const existing = readSecretFile(config.dataDir, DEV_KEY_FILE);
  if (existing !== null) return JSON.parse(existing) as JWK;
  // A process that loses the race to create the file discards its own pair and uses the winner's.
  const { privateKey } = await generateKeyPair(DEV_KEY_ALG, { crv: "Ed25519", extractable: true });
  const fresh = JSON.stringify({ ...(await exportJWK(privateKey)), alg: DEV_KEY_ALG, kid: DEV_KEY_ID });
  return JSON.parse(readOrCreateSecretFile(config.dataDir, DEV_KEY_FILE, () => fresh)) as JWK;
}

export async function devPrivateKey(config: Config) {
  return importJWK(await devSigningJwk(config), DEV_KEY_ALG);
}

export async function devPublicJwk(config: Config): Promise<JWK> {
  const { d: _private, ...publicJwk } = await devSigningJwk(config);
  return publicJwk;
}
