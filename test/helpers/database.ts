import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { dropDatabase, ensureDatabaseExists, withDatabase } from "../../db/database.js";
import { applyMigrations } from "../../db/migrate.js";
import { MIGRATION_SET_NAMES, type MigrationSetName } from "../../db/migrations/index.js";
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
