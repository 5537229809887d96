import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openIdentityRuntime } from "../../scripts/commands/identity-runtime.js";
import { ingestFile } from "../../scripts/commands/ingest-file.js";
import { type Config } from "../../shared/config.js";
import { createLogger } from "../../shared/logger.js";
import type { IdentityRuntime } from "../../subgraphs/identity/index.js";
import { createTestDatabase, type TestDatabase, testConfig } from "../helpers/database.js";

const logger = createLogger({ level: "silent" });
const dir = mkdtempSync(join(tmpdir(), "trustid-ingest-file-"));
const file = join(dir, "users.ndjson");
let db: TestDatabase;
let config: Config;
let client: pg.Client;

const LINES = 2_500;

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url, { TRUSTID_DATA_DIR: join(dir, "data") });
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    if (i === 17) lines.push("{ this is not json");
    else if (i === 1_234)
      lines.push(
        JSON.stringify({
          externalRef: `file-${i}`,
          firstName: "B0b",
          lastName: "X",
          email: "x@y.org",
          dateOfBirth: "1990-01-01",
        }),
      );
    else
      lines.push(
        JSON.stringify({
          externalRef: `file-${i}`,
          firstName: "Grace",
          lastName: "Hopper",
          email: `grace${i}@navy.example`,
          dateOfBirth: "1906-12-09",
          phoneNumber: null,
        }),
      );
    if (i === 100) lines.push("");
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function run(source = file, wrap: (runtime: IdentityRuntime) => IdentityRuntime = (r) => r) {
  const identity = await openIdentityRuntime(config, logger);
  try {
    return await ingestFile(config, logger, wrap(identity.runtime), {
      source,
      batchSize: 400,
      // Three batches in flight: they finish out of order, which the checkpoint and the report must not show.
      concurrency: 3,
      progress: false,
    });
  } finally {
    await identity.close();
  }
}

const users = async () => Number((await client.query("select count(*) as n from identity.users")).rows[0].n);

describe("trustid ingest <file.ndjson>", () => {
  it("streams the file through the ingestion pipeline and reports rejected lines without their values", async () => {
    const summary = await run();
    expect(summary).toMatchObject({ lines: LINES, skipped: 0, created: LINES - 2, rejected: 2 });
    expect(await users()).toBe(LINES - 2);
    const report = readFileSync(summary.reportPath, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(report).toEqual([
      { line: 18, errors: [{ field: "(line)", code: "INVALID_JSON" }] },
      { line: 1_236, externalRef: "file-1234", errors: [{ field: "firstName", code: "INVALID_NAME" }] },
    ]);
    expect(readFileSync(summary.reportPath, "utf8")).not.toContain("B0b");
  });

  it("resumes: a rerun skips the batches its checkpoint records, and a lost checkpoint only replays", async () => {
    const again = await run();
    expect(again).toMatchObject({ skipped: LINES, created: 0 });
    const checkpoint = join(config.dataDir, "ingest", `${again.runId}.json`);
    expect(existsSync(checkpoint)).toBe(true);
    rmSync(checkpoint);
    await run();
    expect(await users()).toBe(LINES - 2);
    const batches = Number(
      (await client.query("select count(*) as n from identity.ingest_batches")).rows[0].n,
    );
    expect(batches).toBe(Math.ceil(LINES / 400));
  });

  it("with batches in flight, a failed batch stops the run at the last batch whose predecessors all finished", async () => {
    const second = join(dir, "second.ndjson");
    writeFileSync(
      second,
      `${Array.from({ length: 2_000 }, (_, i) =>
        JSON.stringify({
          externalRef: `second-${i}`,
          firstName: "Ada",
          lastName: "Lovelace",
          email: `ada${i}@second.example`,
          dateOfBirth: "1990-12-10",
        }),
      ).join("\n")}\n`,
    );
    // Batch 2 is slow and batch 3 fails: batches 1 and 2 finish, so the checkpoint must say 2, not 1 or 4.
    const failing = (runtime: IdentityRuntime): IdentityRuntime => ({
      ...runtime,
      ingestion: {
        ingest: async (ctx, batch, key) => {
          if (key?.endsWith(":2")) await new Promise((r) => setTimeout(r, 300));
          if (key?.endsWith(":3")) throw new Error("simulated failure of batch 3");
          return runtime.ingestion.ingest(ctx, batch, key);
        },
      },
    });
    await expect(run(second, failing)).rejects.toThrow("simulated failure of batch 3");
    const runs = readdirSync(join(config.dataDir, "ingest")).filter((f) => f.endsWith(".json"));
    const checkpoints = runs.map((f) => JSON.parse(readFileSync(join(config.dataDir, "ingest", f), "utf8")));
    expect(checkpoints).toContainEqual({ batches: 2, source: "second.ndjson" });

    const resumed = await run(second);
    expect(resumed).toMatchObject({ skipped: 800 });
    expect(resumed.created + resumed.unchanged).toBe(1_200);
    const written = Number(
      (await client.query("select count(*) as n from identity.users where external_ref like 'second-%'"))
        .rows[0].n,
    );
    expect(written).toBe(2_000);
    const { rows } = await client.query(
      "select count(*) as n, count(distinct idempotency_key) as keys from identity.ingest_batches where idempotency_key like 'ndjson:%'",
    );
    expect(Number(rows[0].n)).toBe(Number(rows[0].keys));
  });
});
