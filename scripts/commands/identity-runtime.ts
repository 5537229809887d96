import { type DatabaseHandle, openDatabase } from "../../db/database.js";
import { applyMigrations } from "../../db/migrate.js";
import { createOrm } from "../../db/orm.js";
import type { Config } from "../../shared/config.js";
import { AuditEventEntity } from "../../shared/events/audit-event.entity.js";
import { createKeyring } from "../../shared/keyring/create-keyring.js";
import type { Logger } from "../../shared/logger.js";
import {
  createIdentityRuntime,
  type IdentityRuntime,
  identitySubgraph,
} from "../../subgraphs/identity/index.js";

/** The identity services without a server, for CLI commands that drive them directly (ingest). */
export async function openIdentityRuntime(
  config: Config,
  logger: Logger,
): Promise<{ runtime: IdentityRuntime; close(): Promise<void>; database: DatabaseHandle }> {
  const database = await openDatabase(config, logger);
  try {
    await applyMigrations(database.url, identitySubgraph.migrationSets, logger);
    const orm = await createOrm({
      url: database.url,
      entities: [...identitySubgraph.entities, AuditEventEntity],
      poolMax: config.database.poolMax,
      logger,
      applicationName: "trustid-cli",
    });
    const keyring = await createKeyring(config, { databaseUrl: database.url, logger });
    // Batches go to worker threads as in the service (TRUSTID_INGEST_WORKERS), so a backfill uses every core.
    const runtime = createIdentityRuntime({
      config,
      orm,
      keyring,
      workers: { databaseUrl: database.url, logger },
    });
    return {
      runtime,
      database,
      close: async () => {
        await runtime.close();
        await keyring.close();
        await orm.close();
        await database.stop();
      },
    };
  } catch (error) {
    await database.stop();
    throw error;
  }
}
