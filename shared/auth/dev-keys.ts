import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Config } from "../config.js";

export const DEV_KEY_ALG = "EdDSA";

/**
 * The development token key: an Ed25519 pair under the data directory (0600), made on first use. Only a
 * non-production stack with no JWKS URL or public key configured trusts it.
 */
export async function devSigningJwk(config: Config): Promise<JWK> {
  if (config.production) throw new Error("development tokens are refused in production");
  const file = join(config.dataDir, "dev-jwt-key.json");
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const { privateKey } = await generateKeyPair(DEV_KEY_ALG, { crv: "Ed25519", extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), alg: DEV_KEY_ALG, kid: "trustid-dev" };
    // 'wx': two processes racing to create the key must not overwrite each other's.
    try {
      writeFileSync(file, JSON.stringify(jwk), { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return JSON.parse(readFileSync(file, "utf8")) as JWK;
}

export async function devPrivateKey(config: Config) {
  return importJWK(await devSigningJwk(config), DEV_KEY_ALG);
}

export async function devPublicJwk(config: Config): Promise<JWK> {
  const { d: _private, ...publicJwk } = await devSigningJwk(config);
  return publicJwk;
}
