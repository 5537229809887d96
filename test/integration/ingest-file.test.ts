import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openIdentityRuntime } from "../../scripts/commands/identity-runtime.js";
import { ingestFile } from "../../scripts/commands/ingest-file.js";
import { type Config } from "../../shared/config.js";
import { createLogger } from "../../shared/logger.js";
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

async function run() {
  const identity = await openIdentityRuntime(config, logger);
  try {
    return await ingestFile(config, logger, identity.runtime, {
      source: file,
      batchSize: 400,
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
});
