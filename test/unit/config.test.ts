import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../shared/config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const MASTER_KEY = Buffer.alloc(32, 7).toString("base64");

describe("configuration", () => {
  it("has development defaults that start a stack on a fresh machine", () => {
    const config = loadConfig({});
    expect(config.env).toBe("development");
    expect(config.ports).toEqual({
      gateway: 4000,
      identity: 4001,
      credential: 4002,
      ledger: 4003,
      analytics: 4004,
    });
    expect(config.host).toBe("127.0.0.1");
    expect(config.database.url).toBeUndefined();
    expect(config.subgraphUrls.identity).toBe("http://127.0.0.1:4001/graphql");
    expect(config.ingest.maxBatch).toBe(5000);
    expect(config.analytics.k).toBe(5);
  });

  it("lists every problem at once, across concerns", () => {
    const problems = problemsOf({
      TRUSTID_GATEWAY_PORT: "99999",
      DATABASE_URL: "mysql://x",
      TRUSTID_MASTER_KEY: "short",
      TRUSTID_ANALYTICS_K: "0",
      TRUSTID_DEFAULT_PHONE_REGION: "usa",
      TRUSTID_JWT_ALGORITHMS: "none,RS256",
    });
    expect(problems).toHaveLength(6);
    expect(problems.join("\n")).toMatch(/TRUSTID_GATEWAY_PORT/);
    expect(problems.join("\n")).toMatch(/DATABASE_URL: must be a postgres/);
    expect(problems.join("\n")).toMatch(/TRUSTID_MASTER_KEY: must be 32 bytes/);
    expect(problems.join("\n")).toMatch(/TRUSTID_ANALYTICS_K/);
    expect(problems.join("\n")).toMatch(/TRUSTID_DEFAULT_PHONE_REGION/);
    expect(problems.join("\n")).toMatch(/'none' is never accepted/);
  });

  it("never echoes a secret's value in a problem", () => {
    const secret = "postgresql-but-not-really-s3cr3t";
    const problems = problemsOf({ DATABASE_URL: secret, TRUSTID_MASTER_KEY: "hunter2hunter2" });
    expect(problems.join("\n")).not.toContain(secret);
    expect(problems.join("\n")).not.toContain("hunter2");
  });

  it("reads secrets from *_FILE and refuses both forms at once", () => {
    const dir = mkdtempSync(join(tmpdir(), "trustid-config-"));
    const file = join(dir, "db-url");
    writeFileSync(file, "postgres://u:p@db:5432/trustid\n");
    expect(loadConfig({ DATABASE_URL_FILE: file }).database.url).toBe("postgres://u:p@db:5432/trustid");
    expect(problemsOf({ DATABASE_URL_FILE: file, DATABASE_URL: "postgres://x/y" })).toEqual([
      "DATABASE_URL and DATABASE_URL_FILE are both set; set only one",
    ]);
    expect(problemsOf({ TRUSTID_MASTER_KEY_FILE: join(dir, "missing") })[0]).toMatch(
      /cannot read .* \(ENOENT\)/,
    );
  });

  it("accepts no development default in production", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    const text = problems.join("\n");
    expect(text).toMatch(/DATABASE_URL: required in production/);
    expect(text).toMatch(/TRUSTID_MASTER_KEY .*required in production/);
    expect(text).toMatch(/TRUSTID_JWKS_URL or TRUSTID_JWT_PUBLIC_KEY: required in production/);
    expect(text).toMatch(/TRUSTID_JWT_ISSUER: required in production/);
    expect(text).toMatch(/TRUSTID_JWT_AUDIENCE: required in production/);
    expect(text).toMatch(/TRUSTID_GATEWAY_SIGNING_SECRET/);
  });

  it("starts in production when everything is provided", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://u:p@db:5432/trustid",
      TRUSTID_MASTER_KEY: MASTER_KEY,
      TRUSTID_JWKS_URL: "https://idp.example.com/.well-known/jwks.json",
      TRUSTID_JWT_ISSUER: "https://idp.example.com/",
      TRUSTID_JWT_AUDIENCE: "trustid",
      TRUSTID_GATEWAY_SIGNING_SECRET: "x".repeat(40),
    });
    expect(config.production).toBe(true);
  });

  it("requires Vault credentials when the Vault keyring is selected", () => {
    const problems = problemsOf({ TRUSTID_KEYRING: "vault" });
    expect(problems).toEqual([
      "VAULT_ADDR: required when TRUSTID_KEYRING=vault",
      "VAULT_TOKEN (or VAULT_ROLE_ID and VAULT_SECRET_ID): required when TRUSTID_KEYRING=vault",
    ]);
  });
});
