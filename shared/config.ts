import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";

/**
 * The environment, parsed once. One zod model per concern; every problem of every concern is collected and
 * reported together, so an operator fixes a broken deployment in one pass instead of one restart per typo.
 * Secrets accept a `<NAME>_FILE` variant (Docker/Kubernetes secrets mounted as files).
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`,
    );
    this.name = "ConfigError";
  }
}

export const SERVICE_NAMES = ["gateway", "identity", "credential", "ledger", "analytics"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export const SUBGRAPH_NAMES = ["identity", "credential", "ledger", "analytics"] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const runtimeModel = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  TRUSTID_HOST: z.string().min(1).default("127.0.0.1"),
  TRUSTID_GATEWAY_PORT: port.default(4000),
  TRUSTID_IDENTITY_PORT: port.default(4001),
  TRUSTID_CREDENTIAL_PORT: port.default(4002),
  TRUSTID_LEDGER_PORT: port.default(4003),
  TRUSTID_ANALYTICS_PORT: port.default(4004),
  TRUSTID_IDENTITY_URL: z.url().optional(),
  TRUSTID_CREDENTIAL_URL: z.url().optional(),
  TRUSTID_LEDGER_URL: z.url().optional(),
  TRUSTID_ANALYTICS_URL: z.url().optional(),
  TRUSTID_DATA_DIR: z.string().min(1).default(".trustid"),
  TRUSTID_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUSTID_SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  TRUSTID_MAX_BODY_BYTES: positiveInt.default(10 * 1024 * 1024),
});

const databaseModel = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  TRUSTID_DB_POOL_MAX: positiveInt.default(10),
  TRUSTID_EMBEDDED_PG_PORT: port.default(54_329),
  TRUSTID_DB_DEBUG: bool.default(false),
});

const keyringModel = z.object({
  TRUSTID_KEYRING: z.enum(["local", "vault"]).default("local"),
  TRUSTID_MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, "must be 32 bytes, base64-encoded (openssl rand -base64 32)")
    .optional(),
  VAULT_ADDR: z.url().optional(),
  VAULT_TOKEN: z.string().min(1).optional(),
  VAULT_ROLE_ID: z.string().min(1).optional(),
  VAULT_SECRET_ID: z.string().min(1).optional(),
  VAULT_CACERT: z.string().min(1).optional(),
  VAULT_NAMESPACE: z.string().min(1).optional(),
  TRUSTID_VAULT_TRANSIT_MOUNT: z.string().min(1).default("transit"),
  TRUSTID_VAULT_KEY_PREFIX: z.string().min(1).default("trustid"),
  TRUSTID_VAULT_BATCH_MAX: positiveInt.default(1000),
  TRUSTID_VAULT_TIMEOUT_MS: positiveInt.default(5000),
  TRUSTID_VAULT_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  TRUSTID_VAULT_APPROLE_MOUNT: z.string().min(1).default("approle"),
  /** How long a process trusts its cached key metadata (latest and minimum decryption version) for reads. */
  TRUSTID_KEYRING_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5000),
});

const authModel = z.object({
  TRUSTID_JWKS_URL: z.url().optional(),
  TRUSTID_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  TRUSTID_JWT_ISSUER: z.string().min(1).default("trustid-dev"),
  TRUSTID_JWT_AUDIENCE: z.string().min(1).default("trustid"),
  TRUSTID_JWT_ALGORITHMS: z
    .string()
    .default("EdDSA,ES256,RS256")
    .transform((s) =>
      s
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
    ),
  TRUSTID_JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  TRUSTID_GATEWAY_SIGNING_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
});

/** What the gateway accepts before anything executes: documents that cannot hurt the subgraphs. */
const limitsModel = z.object({
  TRUSTID_GATEWAY_MAX_DEPTH: positiveInt.default(10),
  TRUSTID_GATEWAY_MAX_TOKENS: positiveInt.default(1000),
  TRUSTID_GATEWAY_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  TRUSTID_GATEWAY_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(10),
  /** graphql-armor's estimate, multiplied by a literal `first`: a 300-user page with credentials is about 16,000. */
  TRUSTID_GATEWAY_MAX_COST: positiveInt.default(20_000),
});

/** Requests per subject (token `sub`, or client address when anonymous) per window, counted in PostgreSQL. */
const rateLimitModel = z.object({
  TRUSTID_RATE_LIMIT_REQUESTS: positiveInt.default(600),
  TRUSTID_RATE_LIMIT_WINDOW_S: positiveInt.default(60),
});

/** The algorithms jose can verify; anything else in TRUSTID_JWT_ALGORITHMS is a typo. */
const KNOWN_JWT_ALGORITHMS = [
  "EdDSA",
  "Ed25519",
  "ES256",
  "ES384",
  "ES512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "HS256",
  "HS384",
  "HS512",
];

const ingestModel = z.object({
  TRUSTID_INGEST_MAX_BATCH: positiveInt.default(5000),
  TRUSTID_INGEST_CHUNK_SIZE: positiveInt.default(1000),
  TRUSTID_DEFAULT_PHONE_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 region code such as US or GB")
    .default("US"),
  TRUSTID_MAX_AGE_YEARS: positiveInt.default(130),
  /**
   * Worker threads that clean, seal and write ingest batches, so ingestion uses more than one core; 0 runs it
   * on the service's own thread. Defaults to the cores available, at most 4.
   */
  TRUSTID_INGEST_WORKERS: z.coerce.number().int().min(0).max(64).default(Math.min(4, availableParallelism())),
});

const analyticsModel = z.object({
  TRUSTID_ANALYTICS_K: positiveInt.default(5),
});

/** Every variable TrustID reads (the README's configuration table lists each; a test checks it). */
export const ENV_VARIABLES: readonly string[] = [
  runtimeModel,
  databaseModel,
  keyringModel,
  authModel,
  limitsModel,
  rateLimitModel,
  ingestModel,
  analyticsModel,
].flatMap((model) => Object.keys(model.shape));

/** Secrets: accepted directly or from `<NAME>_FILE`, never both. */
const SECRETS = [
  "DATABASE_URL",
  "TRUSTID_MASTER_KEY",
  "VAULT_TOKEN",
  "VAULT_SECRET_ID",
  "TRUSTID_JWT_PUBLIC_KEY",
  "TRUSTID_GATEWAY_SIGNING_SECRET",
] as const;

function resolveSecretFiles(env: Env, problems: string[]): Env {
  const out: Env = { ...env };
  for (const name of SECRETS) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === "") continue;
    if (env[name] !== undefined && env[name] !== "") {
      problems.push(`${name} and ${name}_FILE are both set; set only one`);
      continue;
    }
    try {
      out[name] = readFileSync(file, "utf8").trim();
    } catch (error) {
      problems.push(
        `${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  }
  // An empty variable means "unset": compose files often declare every variable.
  for (const [k, v] of Object.entries(out)) if (v === "") out[k] = undefined;
  return out;
}

function parse<T extends z.ZodTypeAny>(model: T, env: Env, problems: string[]): z.infer<T> | undefined {
  const result = model.safeParse(env);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    problems.push(`${issue.path.join(".") || "(environment)"}: ${issue.message}`);
  }
  return undefined;
}

export function loadConfig(rawEnv: Env = process.env) {
  const problems: string[] = [];
  const env = resolveSecretFiles(rawEnv, problems);
  const runtime = parse(runtimeModel, env, problems);
  const database = parse(databaseModel, env, problems);
  const keyring = parse(keyringModel, env, problems);
  const auth = parse(authModel, env, problems);
  const ingest = parse(ingestModel, env, problems);
  const analytics = parse(analyticsModel, env, problems);
  const limits = parse(limitsModel, env, problems);
  const rateLimit = parse(rateLimitModel, env, problems);

  const production = runtime?.NODE_ENV === "production";
  if (keyring?.TRUSTID_KEYRING === "vault") {
    if (!keyring.VAULT_ADDR) problems.push("VAULT_ADDR: required when TRUSTID_KEYRING=vault");
    if (!keyring.VAULT_TOKEN && !(keyring.VAULT_ROLE_ID && keyring.VAULT_SECRET_ID)) {
      problems.push(
        "VAULT_TOKEN (or VAULT_ROLE_ID and VAULT_SECRET_ID): required when TRUSTID_KEYRING=vault",
      );
    }
  }
  if (auth?.TRUSTID_JWKS_URL && auth.TRUSTID_JWT_PUBLIC_KEY) {
    problems.push("TRUSTID_JWKS_URL and TRUSTID_JWT_PUBLIC_KEY are both set; set only one");
  }
  if (auth?.TRUSTID_JWT_ALGORITHMS.some((a) => a.toLowerCase() === "none")) {
    problems.push("TRUSTID_JWT_ALGORITHMS: 'none' is never accepted");
  }
  const unknownAlgorithms = auth?.TRUSTID_JWT_ALGORITHMS.filter(
    (a) => a.toLowerCase() !== "none" && !KNOWN_JWT_ALGORITHMS.includes(a),
  );
  if (unknownAlgorithms?.length) {
    problems.push(
      `TRUSTID_JWT_ALGORITHMS: unknown algorithm(s) ${unknownAlgorithms.join(", ")} (one of ${KNOWN_JWT_ALGORITHMS.join(", ")})`,
    );
  }
  if (auth?.TRUSTID_JWT_ALGORITHMS.length === 0) {
    problems.push("TRUSTID_JWT_ALGORITHMS: at least one algorithm is required");
  }
  if (auth?.TRUSTID_JWT_PUBLIC_KEY && !isPublicKey(auth.TRUSTID_JWT_PUBLIC_KEY)) {
    // The value is a secret-like input: say what is wrong, never echo it.
    problems.push("TRUSTID_JWT_PUBLIC_KEY: not a PEM (SPKI) or JWK public key");
  }
  if (production) {
    // Production accepts no development default for anything that protects data.
    if (!database?.DATABASE_URL)
      problems.push("DATABASE_URL: required in production (embedded PostgreSQL is for development)");
    if (keyring?.TRUSTID_KEYRING === "local" && !keyring.TRUSTID_MASTER_KEY) {
      problems.push(
        "TRUSTID_MASTER_KEY (or TRUSTID_MASTER_KEY_FILE): required in production with the local keyring",
      );
    }
    if (!auth?.TRUSTID_JWKS_URL && !auth?.TRUSTID_JWT_PUBLIC_KEY) {
      problems.push(
        "TRUSTID_JWKS_URL or TRUSTID_JWT_PUBLIC_KEY: required in production (development tokens are refused)",
      );
    }
    if (!rawEnv.TRUSTID_JWT_ISSUER) problems.push("TRUSTID_JWT_ISSUER: required in production");
    if (!rawEnv.TRUSTID_JWT_AUDIENCE) problems.push("TRUSTID_JWT_AUDIENCE: required in production");
    if (!auth?.TRUSTID_GATEWAY_SIGNING_SECRET) {
      problems.push("TRUSTID_GATEWAY_SIGNING_SECRET (or _FILE): required in production");
    }
  }

  if (
    problems.length > 0 ||
    !runtime ||
    !database ||
    !keyring ||
    !auth ||
    !ingest ||
    !analytics ||
    !limits ||
    !rateLimit
  ) {
    throw new ConfigError(problems);
  }

  const dataDir = resolve(runtime.TRUSTID_DATA_DIR);
  return {
    env: runtime.NODE_ENV,
    production,
    host: runtime.TRUSTID_HOST,
    ports: {
      gateway: runtime.TRUSTID_GATEWAY_PORT,
      identity: runtime.TRUSTID_IDENTITY_PORT,
      credential: runtime.TRUSTID_CREDENTIAL_PORT,
      ledger: runtime.TRUSTID_LEDGER_PORT,
      analytics: runtime.TRUSTID_ANALYTICS_PORT,
    } satisfies Record<ServiceName, number>,
    /** Where the gateway finds each subgraph (`serve gateway` in a container); defaults to host:port. */
    subgraphUrls: {
      identity:
        runtime.TRUSTID_IDENTITY_URL ??
        `http://${runtime.TRUSTID_HOST}:${runtime.TRUSTID_IDENTITY_PORT}/graphql`,
      credential:
        runtime.TRUSTID_CREDENTIAL_URL ??
        `http://${runtime.TRUSTID_HOST}:${runtime.TRUSTID_CREDENTIAL_PORT}/graphql`,
      ledger:
        runtime.TRUSTID_LEDGER_URL ?? `http://${runtime.TRUSTID_HOST}:${runtime.TRUSTID_LEDGER_PORT}/graphql`,
      analytics:
        runtime.TRUSTID_ANALYTICS_URL ??
        `http://${runtime.TRUSTID_HOST}:${runtime.TRUSTID_ANALYTICS_PORT}/graphql`,
    } satisfies Record<SubgraphName, string>,
    dataDir,
    logLevel: runtime.TRUSTID_LOG_LEVEL,
    shutdownGraceMs: runtime.TRUSTID_SHUTDOWN_GRACE_MS,
    maxBodyBytes: runtime.TRUSTID_MAX_BODY_BYTES,
    database: {
      url: database.DATABASE_URL,
      poolMax: database.TRUSTID_DB_POOL_MAX,
      embeddedPort: database.TRUSTID_EMBEDDED_PG_PORT,
      debug: database.TRUSTID_DB_DEBUG,
    },
    keyring: {
      driver: keyring.TRUSTID_KEYRING,
      masterKey: keyring.TRUSTID_MASTER_KEY,
      cacheTtlMs: keyring.TRUSTID_KEYRING_CACHE_TTL_MS,
      vault: {
        addr: keyring.VAULT_ADDR,
        token: keyring.VAULT_TOKEN,
        roleId: keyring.VAULT_ROLE_ID,
        secretId: keyring.VAULT_SECRET_ID,
        caCertFile: keyring.VAULT_CACERT,
        namespace: keyring.VAULT_NAMESPACE,
        transitMount: keyring.TRUSTID_VAULT_TRANSIT_MOUNT,
        keyPrefix: keyring.TRUSTID_VAULT_KEY_PREFIX,
        batchMax: keyring.TRUSTID_VAULT_BATCH_MAX,
        timeoutMs: keyring.TRUSTID_VAULT_TIMEOUT_MS,
        retries: keyring.TRUSTID_VAULT_RETRIES,
        approleMount: keyring.TRUSTID_VAULT_APPROLE_MOUNT,
      },
    },
    auth: {
      jwksUrl: auth.TRUSTID_JWKS_URL,
      publicKey: auth.TRUSTID_JWT_PUBLIC_KEY,
      issuer: auth.TRUSTID_JWT_ISSUER,
      audience: auth.TRUSTID_JWT_AUDIENCE,
      algorithms: auth.TRUSTID_JWT_ALGORITHMS,
      clockToleranceSeconds: auth.TRUSTID_JWT_CLOCK_TOLERANCE_S,
      gatewaySigningSecret: auth.TRUSTID_GATEWAY_SIGNING_SECRET,
    },
    limits: {
      maxDepth: limits.TRUSTID_GATEWAY_MAX_DEPTH,
      maxTokens: limits.TRUSTID_GATEWAY_MAX_TOKENS,
      maxAliases: limits.TRUSTID_GATEWAY_MAX_ALIASES,
      maxDirectives: limits.TRUSTID_GATEWAY_MAX_DIRECTIVES,
      maxCost: limits.TRUSTID_GATEWAY_MAX_COST,
    },
    rateLimit: {
      requests: rateLimit.TRUSTID_RATE_LIMIT_REQUESTS,
      windowSeconds: rateLimit.TRUSTID_RATE_LIMIT_WINDOW_S,
    },
    ingest: {
      maxBatch: ingest.TRUSTID_INGEST_MAX_BATCH,
      chunkSize: ingest.TRUSTID_INGEST_CHUNK_SIZE,
      defaultPhoneRegion: ingest.TRUSTID_DEFAULT_PHONE_REGION,
      maxAgeYears: ingest.TRUSTID_MAX_AGE_YEARS,
      workers: ingest.TRUSTID_INGEST_WORKERS,
    },
    analytics: { k: analytics.TRUSTID_ANALYTICS_K },
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** A PEM (SPKI, or a private key whose public half is used) or a JWK JSON object that is an asymmetric key. */
export function parsePublicKey(value: string): KeyObject {
  const text = value.trim();
  return text.startsWith("{")
    ? createPublicKey({ key: JSON.parse(text) as JsonWebKey, format: "jwk" })
    : createPublicKey(text);
}

function isPublicKey(value: string): boolean {
  try {
    return parsePublicKey(value).type === "public";
  } catch {
    return false;
  }
}
