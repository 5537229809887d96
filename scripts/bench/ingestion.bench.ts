import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { dropDatabase, ensureDatabaseExists, openDatabase, withDatabase } from "../../db/database.js";
import { loadConfig } from "../../shared/config.js";
import { createDevToken } from "../commands/token.js";
import { startStack } from "../stack.js";
import { type BenchContext, type BenchRow, registerBenchmark } from "./index.js";

const TOTAL = 20_000;
/**
 * Users ingested before each measurement: ten batches, so every ingest thread has run its hot paths often enough
 * for V8 to optimise them (with four, the figure for freshly started processes came out 15% lower).
 */
const WARM_UP = 10_000;
const CONCURRENCY = 2;
const CURVE = [100, 1_000, 5_000] as const;

const MUTATION = `mutation($batch: [VerifiedUserInput!]!, $key: String) {
  ingestVerifiedUsers(batch: $batch, idempotencyKey: $key) { created rejected }
}`;

function person(run: string, n: number) {
  return {
    externalRef: `bench-${run}-${n}`,
    firstName: n % 3 === 0 ? "JOSÉ" : "Grace",
    lastName: n % 2 === 0 ? "O'Brien-Smith" : "Hopper",
    email: `person.${n}@bench-${run}.example`,
    dateOfBirth: `19${50 + (n % 50)}-0${1 + (n % 9)}-1${n % 10}`,
    phoneNumber: `+1 415 555 ${String(1000 + (n % 9000))}`,
  };
}

/**
 * Users per second through the gateway (validation, cleaning, envelope encryption, blind indexes, audit
 * events, idempotency), against the raw multi-row INSERT rate of rows of the same shape into the same
 * PostgreSQL, measured in the same run.
 */
async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const db = await openDatabase(ctx.config, ctx.logger);
  const url = withDatabase(db.url, `trustid_bench_ingest_${process.pid}`);
  await dropDatabase(url);
  await ensureDatabaseExists(url);
  const config = loadConfig({ ...process.env, DATABASE_URL: url, TRUSTID_LOG_LEVEL: "warn" });
  // Request logs would be one line per batch in the figures' output: warnings and errors only.
  const logger = ctx.logger.child({}, { level: "warn" });
  const stack = await startStack({ config, logger, databaseUrl: url, randomPorts: true });
  try {
    const token = await createDevToken(config, { roles: ["ingestor"], sub: "bench-backend" });
    let gatewayUrl = stack.gatewayUrl!;
    const send = async (batch: unknown[], key: string) => {
      const response = await fetch(gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: MUTATION, variables: { batch, key } }),
      });
      const body = (await response.json()) as {
        data?: { ingestVerifiedUsers: { created: number } };
        errors?: unknown;
      };
      if (!body.data || body.data.ingestVerifiedUsers.created !== batch.length) {
        throw new Error(`bench batch failed: ${JSON.stringify(body.errors ?? body.data)}`);
      }
    };
    const ingestRate = async (batchSize: number, total: number) => {
      const runId = randomUUID().slice(0, 8);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (;;) {
            const from = next;
            next += batchSize;
            if (from >= total) return;
            const batch = Array.from({ length: Math.min(batchSize, total - from) }, (_, i) =>
              person(runId, from + i),
            );
            await send(batch, `${runId}-${from}`);
          }
        }),
      );
      return total / ((performance.now() - started) / 1000);
    };

    await ingestRate(1_000, WARM_UP); // JIT, connection pools, keyring caches
    const raw = await rawInsertRate(url, TOTAL, 1_000);
    const rates = new Map<number, number>();
    for (const size of CURVE) rates.set(size, await ingestRate(size, size === 100 ? TOTAL / 4 : TOTAL));

    // The same load with each service in its own process, as `trustid serve <service>` runs them in production,
    // on an empty database again: inheriting the first topology's 80,000 users (and the autovacuum work they
    // trigger) measured the second 10% lower than the same processes on a fresh database.
    await stack.stop();
    await dropDatabase(url);
    await ensureDatabaseExists(url);
    const split = await startSplitProcesses(url, config.dataDir);
    let splitRate: number;
    try {
      gatewayUrl = split.gatewayUrl;
      await ingestRate(1_000, WARM_UP);
      splitRate = await ingestRate(1_000, TOTAL);
    } finally {
      await split.stop();
    }

    const main = rates.get(1_000)!;
    const rows: BenchRow[] = [
      {
        benchmark: "ingestion",
        figure: `users/s via gateway, batch 1,000, ${CONCURRENCY} in flight`,
        value: main,
        unit: "rows/s",
        baseline: "raw multi-row INSERT, batch 1,000",
        baselineValue: raw,
        ratio: main / raw,
        target: "≥ 10,000/s and ≥ 0.25× raw",
        met: main >= 10_000 && main / raw >= 0.25,
      },
    ];
    rows.push({
      benchmark: "ingestion",
      figure: `users/s via gateway, batch 1,000, one process per service`,
      value: splitRate,
      unit: "rows/s",
      baseline: "raw multi-row INSERT, batch 1,000",
      baselineValue: raw,
      ratio: splitRate / raw,
      target: "≥ 10,000/s and ≥ 0.25× raw",
      met: splitRate >= 10_000 && splitRate / raw >= 0.25,
    });
    for (const size of CURVE.filter((s) => s !== 1_000)) {
      const rate = rates.get(size)!;
      rows.push({
        benchmark: "ingestion",
        figure: `users/s via gateway, batch ${size.toLocaleString("en-US")}`,
        value: rate,
        unit: "rows/s",
        baseline: "raw multi-row INSERT, batch 1,000",
        baselineValue: raw,
        ratio: rate / raw,
        target: "curve (information)",
        met: true,
      });
    }
    return rows;
  } finally {
    await stack.stop().catch(() => {});
    await dropDatabase(url).catch(() => {});
    await db.stop();
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  return typeof address === "object" && address ? address.port : 0;
}

/** The four subgraphs and the gateway as five `trustid serve` processes on one database. */
async function startSplitProcesses(url: string, dataDir: string) {
  const cli = fileURLToPath(new URL("../cli.js", import.meta.url));
  const names = ["identity", "credential", "ledger", "analytics", "gateway"] as const;
  const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()] as const)));
  const env = {
    ...process.env,
    DATABASE_URL: url,
    TRUSTID_DATA_DIR: dataDir,
    TRUSTID_LOG_LEVEL: "warn",
    ...Object.fromEntries(names.map((n) => [`TRUSTID_${n.toUpperCase()}_PORT`, String(ports[n])])),
  };
  const children: ChildProcess[] = [];
  const ready = async (name: (typeof names)[number]) => {
    for (let i = 0; i < 300; i++) {
      const r = await fetch(`http://127.0.0.1:${ports[name]}/readyz`).catch(() => null);
      if (r?.ok) return;
      await sleep(100);
    }
    throw new Error(`${name} did not become ready`);
  };
  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    }
  };
  try {
    for (const name of names) {
      children.push(
        spawn(process.execPath, [...process.execArgv, cli, "serve", name], { env, stdio: "ignore" }),
      );
      await ready(name);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { gatewayUrl: `http://127.0.0.1:${ports.gateway}/graphql`, stop };
}

/** Rows shaped like identity.users (uuid, ref, five sealed fields, three hashes, timestamps), plain INSERTs. */
async function rawInsertRate(url: string, total: number, batchSize: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create table public.bench_raw_users (
      id uuid primary key, external_ref varchar(128) unique not null, status text not null,
      first_name_ct bytea, last_name_ct bytea, email_ct bytea, phone_number_ct bytea, date_of_birth_ct bytea,
      email_index varchar(96), phone_index varchar(96), record_hash varchar(96),
      verified_at timestamptz not null, created_at timestamptz not null, updated_at timestamptz not null)`);
    await client.query("create index on public.bench_raw_users (email_index)");
    await client.query("create index on public.bench_raw_users (phone_index)");
    await client.query("create index on public.bench_raw_users (created_at, id)");
    const sealed = (n: number) => randomBytes(n + 29);
    const started = performance.now();
    for (let from = 0; from < total; from += batchSize) {
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let i = from; i < Math.min(total, from + batchSize); i++) {
        const p = values.length;
        tuples.push(`(${Array.from({ length: 14 }, (_, k) => `$${p + k + 1}`).join(",")})`);
        const now = new Date();
        values.push(
          randomUUID(),
          `raw-${i}`,
          "ACTIVE",
          sealed(5),
          sealed(13),
          sealed(28),
          sealed(12),
          sealed(10),
          randomBytes(32).toString("base64url"),
          randomBytes(32).toString("base64url"),
          randomBytes(32).toString("base64url"),
          now,
          now,
          now,
        );
      }
      await client.query(`insert into public.bench_raw_users values ${tuples.join(",")}`, values);
    }
    return total / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}

registerBenchmark({ name: "ingestion", run });
