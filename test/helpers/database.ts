import { randomBytes } from "node:crypto";
import type { EntityClass } from "@mikro-orm/core";
import { inject } from "vitest";
import { dropDatabase, ensureDatabaseExists, withDatabase } from "../../db/database.js";
import { applyMigrations } from "../../db/migrate.js";
import { MIGRATION_SET_NAMES, type MigrationSetName } from "../../db/migrations/index.js";
import { createOrm, type Orm } from "../../db/orm.js";
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
