import { join } from "node:path";
import pg from "pg";
import type { Config } from "../shared/config.js";
import type { Logger } from "../shared/logger.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  /** Stops the embedded server, if this process started one. */
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = "trustid";

/** DATABASE_URL when set; otherwise an embedded PostgreSQL under the data directory. */
export async function openDatabase(config: Config, logger: Logger): Promise<DatabaseHandle> {
  if (config.database.url) {
    await ensureDatabaseExists(config.database.url);
    return { url: config.database.url, embedded: false, stop: async () => {} };
  }
  const server = await startEmbeddedPostgres(
    join(config.dataDir, "postgres"),
    config.database.embeddedPort,
    logger,
  );
  const url = withDatabase(server.adminUrl, EMBEDDED_DATABASE);
  await ensureDatabaseExists(url);
  return { url, embedded: true, stop: () => server.stop() };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
}

/** Creates the database named in `url` when it does not exist yet (nobody sets up a database by hand). */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (rowCount === 0) {
      try {
        await admin.query(`create database ${pg.escapeIdentifier(name)}`);
      } catch (error) {
        // Two services starting together may race to create it.
        if ((error as { code?: string }).code !== "42P04") throw error;
      }
    }
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await admin.connect();
  try {
    // Give clients that are closing a moment to go: terminating a connection in the middle of its own goodbye
    // surfaces in its owner as an error event that nothing listens to any more.
    for (let i = 0; i < 30; i++) {
      const { rows } = await admin.query(
        "select count(*)::int as n from pg_stat_activity where datname = $1",
        [databaseName(url)],
      );
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await admin.query(`drop database if exists ${pg.escapeIdentifier(databaseName(url))} with (force)`);
  } finally {
    await admin.end();
  }
}
