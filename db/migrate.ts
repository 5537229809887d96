import { type MigrationObject, MikroORM } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { PostgreSqlDriver } from "@mikro-orm/postgresql";
import pg from "pg";
import type { Logger } from "../shared/logger.js";
import { MIGRATION_SETS, type MigrationSetName } from "./migrations/index.js";

/** Every service start migrates; the lock makes concurrent starts (N replicas) take turns. */
const MIGRATION_LOCK_KEY = 7_353_100_001;

export function migrationsTable(set: MigrationSetName): string {
  return `${set}.mikro_orm_migrations`;
}

export interface MigrationResult {
  set: MigrationSetName;
  applied: string[];
}

/** Applies the pending migrations of each set, in order, under a cluster-wide advisory lock. */
export async function applyMigrations(
  url: string,
  sets: readonly MigrationSetName[],
  logger: Logger,
): Promise<MigrationResult[]> {
  const lock = new pg.Client({ connectionString: url, application_name: "trustid-migrate-lock" });
  await lock.connect();
  const results: MigrationResult[] = [];
  try {
    await lock.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    for (const set of sets) {
      const orm = await MikroORM.init<PostgreSqlDriver>({
        driver: PostgreSqlDriver,
        clientUrl: url,
        entities: [],
        discovery: { warnWhenNoEntities: false },
        pool: { min: 0, max: 1 },
        extensions: [Migrator],
        migrations: {
          tableName: migrationsTable(set),
          migrationsList: MIGRATION_SETS[set] as MigrationObject[],
          transactional: true,
          allOrNothing: true,
          silent: true,
        },
      });
      try {
        const applied = await orm.getMigrator().up();
        const names = applied.map((m) => m.name);
        if (names.length > 0) logger.info({ set, applied: names }, "migrations applied");
        results.push({ set, applied: names });
      } finally {
        await orm.close(true);
      }
    }
  } finally {
    await lock.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await lock.end();
  }
  return results;
}

export type SqlQuery = (sql: string) => Promise<Array<Record<string, unknown>>>;

/** Names of the migrations of `sets` that the database has not applied; [] when up to date. */
export async function pendingMigrations(
  query: SqlQuery,
  sets: readonly MigrationSetName[],
): Promise<string[]> {
  const pending: string[] = [];
  for (const set of sets) {
    const expected = MIGRATION_SETS[set].map((m) => m.name);
    let applied = new Set<string>();
    try {
      const rows = await query(`select name from ${migrationsTable(set)}`);
      applied = new Set(rows.map((r) => String(r.name)));
    } catch (error) {
      if ((error as { code?: string }).code !== "42P01") throw error; // undefined_table: nothing applied yet
    }
    for (const name of expected) if (!applied.has(name)) pending.push(`${set}/${name}`);
  }
  return pending;
}
