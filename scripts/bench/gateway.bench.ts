import { randomBytes, randomUUID } from "node:crypto";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import pg from "pg";
import { dropDatabase, ensureDatabaseExists, openDatabase, withDatabase } from "../../db/database.js";
import { GATEWAY_CONTEXT_HEADER, signGatewayContext } from "../../shared/auth/gateway-context.js";
import type { Config } from "../../shared/config.js";
import type { Role } from "../../shared/context.js";
import { type Stack, startStack } from "../stack.js";
import { type BenchContext, type BenchRow, registerBenchmark } from "./index.js";

const USERS = 20;
const CREDENTIALS_PER_USER = 2;
/** Requests per variant per round; variants alternate round by round so drift hits them alike. */
const BLOCK = 100;
const ROUNDS = 10;
const WARM_UP = 200;

/** Two subgraphs (identity → credential), no personal data: what a dashboard or an auditor reads. */
const FEDERATED_READ = `{ users(first: ${USERS}) { edges { node { id externalRef status credentials { id status schema { name } } } } } }`;
/** One subgraph only, so the gateway and a direct call do the same work behind them. */
const IDENTITY_READ = `{ users(first: ${USERS}) { edges { node { id externalRef status } } } }`;

type Send = () => Promise<void>;

/**
 * The gateway's cost, measured on one machine in one run: the same read through the gateway with and
 * without authorization (token verification, signed subgraph context, graphql-shield in the subgraphs), and
 * the gateway against calling the subgraph directly (with the signed context the subgraph requires). Each
 * side runs its own stack on a scratch database, loopback only, with a throw-away master key and token key
 * (nothing under .trustid/ is created or read, beyond the embedded PostgreSQL when DATABASE_URL is unset).
 */
async function run(ctx: BenchContext): Promise<BenchRow[]> {
  if (ctx.config.production)
    throw new Error("the gateway benchmark starts unprotected stacks: not in production");
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const config: Config = {
    ...ctx.config,
    keyring: { ...ctx.config.keyring, driver: "local", masterKey: randomBytes(32).toString("base64") },
    auth: {
      ...ctx.config.auth,
      jwksUrl: undefined,
      publicKey: await exportSPKI(publicKey),
      gatewaySigningSecret: randomBytes(32).toString("base64url"),
    },
    // The benchmark's own traffic must not be throttled; the limiter still counts every request on both sides.
    rateLimit: { requests: 1_000_000_000, windowSeconds: 60 },
  };
  const token = (roles: Role[]) =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: "EdDSA" })
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setSubject(`bench-${roles.join("+")}`)
      .setExpirationTime("1h")
      .sign(privateKey);

  const server = await openDatabase(config, ctx.logger);
  const url = withDatabase(server.url, `trustid_bench_gateway_${process.pid}`);
  const logger = ctx.logger.child({ bench: "gateway" }, { level: "warn" });
  const stacks: Stack[] = [];
  try {
    await dropDatabase(url);
    await ensureDatabaseExists(url);
    const secured = await startStack({ config, logger, databaseUrl: url, randomPorts: true });
    stacks.push(secured);
    const open = await startStack({ config, logger, databaseUrl: url, randomPorts: true, unprotected: true });
    stacks.push(open);
    await seed(secured, url, `Bearer ${await token(["ingestor"])}`);

    const admin = `Bearer ${await token(["admin"])}`;
    const viewer = { subject: "bench-admin", roles: ["admin" as Role] };
    const secret = new TextEncoder().encode(config.auth.gatewaySigningSecret!);
    const variants: Record<string, Send> = {
      withAuth: sender(secured.gatewayUrl!, FEDERATED_READ, async () => ({ authorization: admin })),
      withoutAuth: sender(open.gatewayUrl!, FEDERATED_READ, async () => ({})),
      gateway: sender(secured.gatewayUrl!, IDENTITY_READ, async () => ({ authorization: admin })),
      direct: sender(secured.urls.identity!, IDENTITY_READ, async (body) => ({
        [GATEWAY_CONTEXT_HEADER]: await signGatewayContext(secret, {
          audience: "identity",
          viewer,
          requestId: randomUUID(),
          body,
        }),
      })),
    };
    for (const send of Object.values(variants)) for (let i = 0; i < WARM_UP; i++) await send();
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, send] of Object.entries(variants)) samples[name]!.push(...(await time(send, BLOCK)));
    }

    const row = (
      figure: string,
      value: number,
      baseline: string,
      baselineValue: number,
      target: string,
      min: number,
    ): BenchRow => ({
      benchmark: "gateway",
      figure,
      value,
      unit: "ms",
      baseline,
      baselineValue,
      // Times: baseline / value, so that higher is better, as for rates.
      ratio: baselineValue / value,
      target,
      met: baselineValue / value >= min,
    });
    const p = (name: string, q: number) => percentile(samples[name]!, q);
    return [
      row(
        "federated read p50, with auth + shield",
        p("withAuth", 0.5),
        "without",
        p("withoutAuth", 0.5),
        ">= 0.80x",
        0.8,
      ),
      row(
        "federated read p99, with auth + shield",
        p("withAuth", 0.99),
        "without",
        p("withoutAuth", 0.99),
        ">= 0.70x",
        0.7,
      ),
      row(
        "identity read p50 via gateway",
        p("gateway", 0.5),
        "subgraph direct",
        p("direct", 0.5),
        ">= 0.33x",
        0.33,
      ),
      row(
        "identity read p99 via gateway",
        p("gateway", 0.99),
        "subgraph direct",
        p("direct", 0.99),
        ">= 0.25x",
        0.25,
      ),
    ];
  } finally {
    for (const stack of stacks.reverse()) await stack.stop();
    await dropDatabase(url).catch(() => {});
    await server.stop();
  }
}

/** A sender that fails loudly: a refused or failing request must not pass for a fast one. */
function sender(
  url: string,
  query: string,
  headers: (body: string) => Promise<Record<string, string>>,
): Send {
  const body = JSON.stringify({ query });
  return async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await headers(body)) },
      body,
    });
    const payload = (await response.json()) as {
      errors?: unknown[];
      data?: { users?: { edges: unknown[] } };
    };
    if (!response.ok || payload.errors || payload.data?.users?.edges.length !== USERS) {
      throw new Error(
        `benchmark request to ${url} failed: HTTP ${response.status} ${JSON.stringify(payload.errors)}`,
      );
    }
  };
}

async function time(send: Send, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await send();
    out.push(performance.now() - started);
  }
  return out;
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
}

/** Users through the real ingest path, credentials straight into their table (issuance is not measured here). */
async function seed(stack: Stack, url: string, ingestor: string): Promise<void> {
  const batch = Array.from({ length: USERS }, (_, i) => ({
    externalRef: `bench-${i}`,
    firstName: "Grace",
    lastName: "Hopper",
    email: `grace.hopper${i}@example.org`,
    dateOfBirth: "1976-12-09",
  }));
  const response = await fetch(stack.gatewayUrl!, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: ingestor },
    body: JSON.stringify({
      query:
        "mutation($b: [VerifiedUserInput!]!) { ingestVerifiedUsers(batch: $b) { results { user { id } } } }",
      variables: { b: batch },
    }),
  });
  const payload = (await response.json()) as {
    data?: { ingestVerifiedUsers: { results: Array<{ user: { id: string } | null }> } };
    errors?: unknown;
  };
  const ids = payload.data?.ingestVerifiedUsers.results
    .map((r) => r.user?.id)
    .filter((id) => id !== undefined);
  if (!ids || ids.length !== USERS) throw new Error(`seeding failed: ${JSON.stringify(payload.errors)}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const schemaId = randomUUID();
    await client.query(
      `insert into credential.schemas (id, name, version, attributes, ledger_id, created_at)
       values ($1, 'NationalID', '1.0', '{given_name}', 'did:indy:bench/anoncreds/v0/SCHEMA/NationalID/1.0', now())`,
      [schemaId],
    );
    const holders = ids.flatMap((id) => Array.from({ length: CREDENTIALS_PER_USER }, () => id));
    await client.query(
      `insert into credential.credentials (id, holder_id, schema_id, format, issued_at)
       select gen_random_uuid(), h, $2, 'SD_JWT_VC', now() from unnest($1::uuid[]) as h`,
      [holders, schemaId],
    );
  } finally {
    await client.end();
  }
}

registerBenchmark({ name: "gateway", run });
