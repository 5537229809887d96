import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EntityClass } from "@mikro-orm/core";
import { inject } from "vitest";
import { dropDatabase, ensureDatabaseExists, withDatabase } from "../../db/database.js";
import { applyMigrations } from "../../db/migrate.js";
import { MIGRATION_SET_NAMES, type MigrationSetName } from "../../db/migrations/index.js";
import { createOrm, type Orm } from "../../db/orm.js";
import { type Config, loadConfig } from "../../shared/config.js";
import { AuditEventEntity } from "../../shared/events/audit-event.entity.js";
import { createLogger } from "../../shared/logger.js";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database on the test server, so test files never collide. */
export async function createTestDatabase(
  options: { migrate?: boolean | readonly MigrationSetName[] } = {},
): Promise<TestDatabase> {
  const name = `trustid_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const url = withDatabase(inject("postgresAdminUrl"), name);
  await ensureDatabaseExists(url);
  const migrate = options.migrate ?? true;
  if (migrate) {
    const sets = migrate === true ? MIGRATION_SET_NAMES : migrate;
    await applyMigrations(url, sets, createLogger({ level: "silent" }));
  }
  return { url, drop: () => dropDatabase(url) };
}

/** An ORM over a test database with the given entities and the audit log (what a subgraph's ORM knows). */
export async function createTestOrm(url: string, entities: EntityClass<unknown>[] = []): Promise<Orm> {
  return createOrm({
    url,
    entities: [...entities, AuditEventEntity],
    poolMax: 4,
    logger: createLogger({ level: "silent" }),
    applicationName: "trustid-test",
  });
}

/** A configuration for a test database: its URL, a fresh master key, and a private data directory. */
export function testConfig(url: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: url,
    TRUSTID_MASTER_KEY: randomBytes(32).toString("base64"),
    TRUSTID_DATA_DIR: mkdtempSync(join(tmpdir(), "trustid-test-")),
    ...env,
  });
}
