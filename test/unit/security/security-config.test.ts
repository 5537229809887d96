import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, loadConfig } from "../../../shared/config.js";

function problemsOf(env: Env): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("security configuration", () => {
  it("has the documented defaults for limits and rate limits", () => {
    const config = loadConfig({});
    expect(config.limits).toEqual({
      maxDepth: 10,
      maxTokens: 1000,
      maxAliases: 15,
      maxDirectives: 10,
      maxCost: 20_000,
    });
    expect(config.rateLimit).toEqual({ requests: 600, windowSeconds: 60 });
    expect(config.auth.algorithms).toEqual(["EdDSA", "ES256", "RS256"]);
  });

  it("lists every bad limit, unknown algorithm and unusable public key at once, never echoing the key", () => {
    const secretLooking = "-----BEGIN PUBLIC KEY-----\nnot-a-key-s3cr3t\n-----END PUBLIC KEY-----";
    const problems = problemsOf({
      TRUSTID_GATEWAY_MAX_DEPTH: "0",
      TRUSTID_RATE_LIMIT_REQUESTS: "-1",
      TRUSTID_JWT_ALGORITHMS: "EdDSA,HS257",
      TRUSTID_JWT_PUBLIC_KEY: secretLooking,
    });
    expect(problems).toHaveLength(4);
    const text = problems.join("\n");
    expect(text).toMatch(/TRUSTID_GATEWAY_MAX_DEPTH/);
    expect(text).toMatch(/TRUSTID_RATE_LIMIT_REQUESTS/);
    expect(text).toMatch(/unknown algorithm\(s\) HS257/);
    expect(text).toMatch(/TRUSTID_JWT_PUBLIC_KEY: not a PEM \(SPKI\) or JWK public key/);
    expect(text).not.toContain("s3cr3t");
  });

  it("accepts a PEM or a JWK public key, and refuses a symmetric JWK", () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const jwk = JSON.stringify(publicKey.export({ format: "jwk" }));
    expect(problemsOf({ TRUSTID_JWT_PUBLIC_KEY: pem })).toEqual([]);
    expect(problemsOf({ TRUSTID_JWT_PUBLIC_KEY: jwk })).toEqual([]);
    expect(problemsOf({ TRUSTID_JWT_PUBLIC_KEY: JSON.stringify({ kty: "oct", k: "c2VjcmV0" }) })).toEqual([
      "TRUSTID_JWT_PUBLIC_KEY: not a PEM (SPKI) or JWK public key",
    ]);
  });
});
