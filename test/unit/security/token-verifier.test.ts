import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  base64url,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importSPKI,
  type CryptoKey as JoseKey,
  type JWTPayload,
  SignJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevToken } from "../../../scripts/commands/token.js";
import { createTokenVerifier, type TokenVerifier } from "../../../shared/auth/token-verifier.js";
import { type Env, loadConfig } from "../../../shared/config.js";
import { TrustIdError } from "../../../shared/errors.js";

const ISSUER = "https://idp.test/";
const AUDIENCE = "trustid-api";

let privateKey: JoseKey;
let publicPem: string;
let verifier: TokenVerifier;

function configWith(env: Env) {
  return loadConfig({ NODE_ENV: "test", TRUSTID_JWT_ISSUER: ISSUER, TRUSTID_JWT_AUDIENCE: AUDIENCE, ...env });
}

function sign(
  payload: JWTPayload = { roles: ["support"] },
  options: { key?: JoseKey; sub?: string | null; exp?: string | number | null; alg?: string } = {},
) {
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? "EdDSA" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt();
  if (options.sub !== null) jwt.setSubject(options.sub ?? "user-1");
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? "5m");
  return jwt.sign(options.key ?? privateKey);
}

/** The refusal a token gets: its code and reason, or "accepted". */
async function outcome(v: TokenVerifier, authorization: string | undefined): Promise<string> {
  try {
    await v.authenticate(authorization);
    return "accepted";
  } catch (error) {
    if (error instanceof TrustIdError) return `${error.code}/${error.reason}`;
    throw error;
  }
}

beforeAll(async () => {
  const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  privateKey = pair.privateKey;
  publicPem = await exportSPKI(pair.publicKey);
  verifier = await createTokenVerifier(configWith({ TRUSTID_JWT_PUBLIC_KEY: publicPem }));
});

describe("token verification (gateway)", () => {
  it("accepts a valid token and keeps only the known roles", async () => {
    const viewer = await verifier.verify(
      await sign({ roles: ["support", "support", "superuser", "auditor"] }),
    );
    expect(viewer).toEqual({ subject: "user-1", roles: ["support", "auditor"] });
    expect((await verifier.verify(await sign({}))).roles).toEqual([]);
  });

  it("treats no Authorization at all as anonymous, and anything but a bearer token as invalid", async () => {
    expect(await verifier.authenticate(undefined)).toBeNull();
    expect(await verifier.authenticate("")).toBeNull();
    const token = await sign();
    expect(await outcome(verifier, `bearer ${token}`)).toBe("accepted");
    expect(await outcome(verifier, `Basic ${token}`)).toBe("UNAUTHENTICATED/TOKEN_INVALID");
    expect(await outcome(verifier, "Bearer")).toBe("UNAUTHENTICATED/TOKEN_INVALID");
    expect(await outcome(verifier, `Bearer ${token} ${token}`)).toBe("UNAUTHENTICATED/TOKEN_INVALID");
  });

  it("refuses forged, expired, not-yet-valid, wrong-issuer, wrong-audience and tampered tokens", async () => {
    const other = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const cases: Record<string, Promise<string>> = {
      forged: sign(undefined, { key: other.privateKey }),
      expired: sign(undefined, { exp: Math.floor(Date.now() / 1000) - 120 }),
      notYetValid: new SignJWT({ roles: ["admin"] })
        .setProtectedHeader({ alg: "EdDSA" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject("user-1")
        .setNotBefore("10m")
        .setExpirationTime("20m")
        .sign(privateKey),
      wrongIssuer: new SignJWT({})
        .setProtectedHeader({ alg: "EdDSA" })
        .setIssuer("https://evil.test/")
        .setAudience(AUDIENCE)
        .setSubject("user-1")
        .setExpirationTime("5m")
        .sign(privateKey),
      wrongAudience: new SignJWT({})
        .setProtectedHeader({ alg: "EdDSA" })
        .setIssuer(ISSUER)
        .setAudience("another-api")
        .setSubject("user-1")
        .setExpirationTime("5m")
        .sign(privateKey),
      noSubject: sign(undefined, { sub: null }),
      noExpiry: sign(undefined, { exp: null }),
      rolesNotAList: sign({ roles: "admin" }),
      tampered: sign({ roles: ["auditor"] }).then((token) => {
        const [header, , signature] = token.split(".");
        const payload = base64url.encode(
          JSON.stringify({ roles: ["admin"], sub: "user-1", iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 }),
        );
        return `${header}.${payload}.${signature}`;
      }),
    };
    const results: Record<string, string> = {};
    for (const [name, token] of Object.entries(cases))
      results[name] = await outcome(verifier, `Bearer ${await token}`);
    expect(results).toEqual({
      forged: "UNAUTHENTICATED/TOKEN_INVALID",
      expired: "UNAUTHENTICATED/TOKEN_EXPIRED",
      notYetValid: "UNAUTHENTICATED/TOKEN_INVALID",
      wrongIssuer: "UNAUTHENTICATED/TOKEN_INVALID",
      wrongAudience: "UNAUTHENTICATED/TOKEN_INVALID",
      noSubject: "UNAUTHENTICATED/TOKEN_INVALID",
      noExpiry: "UNAUTHENTICATED/TOKEN_INVALID",
      rolesNotAList: "UNAUTHENTICATED/TOKEN_INVALID",
      tampered: "UNAUTHENTICATED/TOKEN_INVALID",
    });
  });

  it("allows the configured clock skew on exp", async () => {
    const justExpired = await sign(undefined, { exp: Math.floor(Date.now() / 1000) - 10 });
    expect(await outcome(verifier, `Bearer ${justExpired}`)).toBe("accepted");
  });

  it("never accepts alg none", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    const payload = base64url.encode(
      JSON.stringify({ sub: "user-1", roles: ["admin"], iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 }),
    );
    expect(await outcome(verifier, `Bearer ${header}.${payload}.`)).toBe("UNAUTHENTICATED/TOKEN_INVALID");
  });

  it("is immune to the HS256-with-the-public-key confusion, even with HS256 allowed", async () => {
    const secret = new TextEncoder().encode(publicPem);
    const confused = await new SignJWT({ roles: ["admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("attacker")
      .setExpirationTime("5m")
      .sign(secret);
    expect(await outcome(verifier, `Bearer ${confused}`)).toBe("UNAUTHENTICATED/TOKEN_INVALID");
    const permissive = await createTokenVerifier(
      configWith({ TRUSTID_JWT_PUBLIC_KEY: publicPem, TRUSTID_JWT_ALGORITHMS: "EdDSA,HS256" }),
    );
    expect(await outcome(permissive, `Bearer ${confused}`)).toBe("UNAUTHENTICATED/TOKEN_INVALID");
  });

  it("refuses an algorithm outside the allow-list even when the signature is good", async () => {
    const rsa = await generateKeyPair("RS256");
    const rsaVerifier = await createTokenVerifier(
      configWith({
        TRUSTID_JWT_PUBLIC_KEY: await exportSPKI(rsa.publicKey),
        TRUSTID_JWT_ALGORITHMS: "EdDSA",
      }),
    );
    const token = await sign(undefined, { key: rsa.privateKey, alg: "RS256" });
    expect(await outcome(rsaVerifier, `Bearer ${token}`)).toBe("UNAUTHENTICATED/TOKEN_INVALID");
  });

  it("takes the public key as a JWK too", async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    const jwkVerifier = await createTokenVerifier(
      configWith({ TRUSTID_JWT_PUBLIC_KEY: JSON.stringify(await exportJWK(pair.publicKey)) }),
    );
    const token = await sign(undefined, { key: pair.privateKey, alg: "ES256" });
    expect((await jwkVerifier.verify(token)).subject).toBe("user-1");
  });

  describe("with a JWKS URL", () => {
    const server = createServer();
    let jwksUrl = "";
    const kid = "key-1";

    beforeAll(async () => {
      // The real key under its kid, plus an unrelated one: jose picks by kid.
      const unrelated = await exportJWK((await generateKeyPair("EdDSA", { extractable: true })).publicKey);
      const real = await exportJWK(await importSPKI(publicPem, "EdDSA", { extractable: true }));
      const keys = [
        { ...unrelated, kid: "unrelated", alg: "EdDSA" },
        { ...real, kid, alg: "EdDSA" },
      ];
      server.on("request", (_req, res) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ keys }));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("verifies against the key set", async () => {
      const jwksVerifier = await createTokenVerifier(configWith({ TRUSTID_JWKS_URL: jwksUrl }));
      const token = await new SignJWT({ roles: ["auditor"] })
        .setProtectedHeader({ alg: "EdDSA", kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject("user-2")
        .setExpirationTime("5m")
        .sign(privateKey);
      expect(await jwksVerifier.verify(token)).toEqual({ subject: "user-2", roles: ["auditor"] });
    });

    it("answers SERVICE_UNAVAILABLE, not UNAUTHENTICATED, when the key set cannot be fetched", async () => {
      const down = await createTokenVerifier(
        configWith({ TRUSTID_JWKS_URL: "http://127.0.0.1:9/jwks.json" }),
      );
      expect(await outcome(down, `Bearer ${await sign()}`)).toBe("SERVICE_UNAVAILABLE/JWKS_UNAVAILABLE");
    });
  });

  it("trusts the development key only outside production with no key configured", async () => {
    const config = loadConfig({
      NODE_ENV: "development",
      TRUSTID_DATA_DIR: mkdtempSync(join(tmpdir(), "tid-")),
    });
    const devVerifier = await createTokenVerifier(config);
    const token = await createDevToken(config, { roles: ["analyst"], sub: "dev-1" });
    expect(await devVerifier.verify(token)).toEqual({ subject: "dev-1", roles: ["analyst"] });
    // A stack configured with a real key does not trust development tokens.
    expect(await outcome(verifier, `Bearer ${token}`)).toBe("UNAUTHENTICATED/TOKEN_INVALID");
  });
});
