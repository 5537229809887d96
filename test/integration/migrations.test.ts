import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, pendingMigrations } from "../../db/migrate.js";
import { MIGRATION_SET_NAMES, MIGRATION_SETS } from "../../db/migrations/index.js";
import { createLogger } from "../../shared/logger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const logger = createLogger({ level: "silent" });
let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const query = async (sql: string) => (await client.query(sql)).rows as Array<Record<string, unknown>>;

describe("migrations", () => {
  it("bring an empty database to the current schema, one PostgreSQL schema per subgraph plus audit", async () => {
    expect(await pendingMigrations(query, MIGRATION_SET_NAMES)).toHaveLength(
      Object.values(MIGRATION_SETS).reduce((n, list) => n + list.length, 0),
    );
    const results = await applyMigrations(db.url, MIGRATION_SET_NAMES, logger);
    expect(results.flatMap((r) => r.applied).length).toBeGreaterThanOrEqual(5);
    const schemas = (await query("select nspname from pg_namespace")).map((r) => r.nspname);
    for (const schema of ["identity", "credential", "ledger", "analytics", "audit"])
      expect(schemas).toContain(schema);
    const tables = (
      await query(
        "select table_schema || '.' || table_name as t from information_schema.tables where table_schema in ('identity','credential','ledger','analytics','audit')",
      )
    ).map((r) => r.t);
    for (const t of [
      "identity.users",
      "credential.credentials",
      "credential.schemas",
      "ledger.transactions",
      "analytics.rollups",
      "audit.events",
    ]) {
      expect(tables).toContain(t);
    }
    expect(await pendingMigrations(query, MIGRATION_SET_NAMES)).toEqual([]);
  });

  it("are a no-op the second time", async () => {
    const before = await query("select count(*)::int as n from identity.mikro_orm_migrations");
    const results = await applyMigrations(db.url, MIGRATION_SET_NAMES, logger);
    expect(results.every((r) => r.applied.length === 0)).toBe(true);
    expect(await query("select count(*)::int as n from identity.mikro_orm_migrations")).toEqual(before);
  });

  it("take turns when several services start at once", async () => {
    const other = await createTestDatabase({ migrate: false });
    try {
      const runs = await Promise.all(
        [1, 2, 3].map(() => applyMigrations(other.url, MIGRATION_SET_NAMES, logger)),
      );
      const appliedPerRun = runs.map((r) => r.flatMap((x) => x.applied).length);
      expect(appliedPerRun.filter((n) => n > 0)).toHaveLength(1);
    } finally {
      await other.drop();
    }
  });
});

describe("entities and migrations", () => {
  it("agree for every schema: no entity change is left without its migration", async () => {
    const { migrationNeeded } = await import("../../scripts/commands/migration-create.js");
    const { ENTITIES_BY_SET } = await import("../../scripts/entities.js");
    // A set without entities (gateway: a library's table) is written by hand; there is nothing to diff.
    const generated = MIGRATION_SET_NAMES.filter((set) => ENTITIES_BY_SET[set].length > 0);
    expect(generated).toEqual(
      expect.arrayContaining(["audit", "keyring", "identity", "credential", "ledger", "analytics"]),
    );
    const needed: string[] = [];
    for (const set of generated) if (await migrationNeeded(db.url, set)) needed.push(set);
    // On failure: `npm run trustid -- migration:create <set> <label>` writes the missing migration.
    expect(needed).toEqual([]);
  });
});
