import { SignJWT } from "jose";
import { DEV_KEY_ALG, DEV_KEY_ID, devPrivateKey } from "../../shared/auth/dev-keys.js";
import type { Config } from "../../shared/config.js";
import { ROLES, type Role } from "../../shared/context.js";

const TTL = /^(\d+)([smhd])$/;

export interface TokenOptions {
  roles: string[];
  sub?: string;
  ttl?: string;
}

/**
 * A development token (API.md: claim `roles`), signed by the dev key under the data directory that only a
 * non-production stack with no TRUSTID_JWKS_URL / TRUSTID_JWT_PUBLIC_KEY trusts. Refused in production.
 */
export async function createDevToken(config: Config, options: TokenOptions): Promise<string> {
  if (options.roles.length === 0) throw new Error(`--role is required (one of ${ROLES.join(", ")})`);
  const unknown = options.roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0)
    throw new Error(`unknown role(s): ${unknown.join(", ")} (one of ${ROLES.join(", ")})`);
  const ttl = TTL.exec(options.ttl ?? "1h");
  if (!ttl) throw new Error("--ttl must look like 30s, 15m, 1h or 7d");
  const roles = options.roles as Role[];
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: DEV_KEY_ALG, kid: DEV_KEY_ID, typ: "JWT" })
    .setSubject(options.sub ?? `dev-${roles.join("+")}`)
    .setIssuer(config.auth.issuer)
    .setAudience(config.auth.audience)
    .setIssuedAt()
    .setNotBefore("0s")
    .setExpirationTime(`${ttl[1]}${ttl[2]}`)
    .setJti(crypto.randomUUID())
    .sign(await devPrivateKey(config));
}
