import type { Orm } from "../../db/orm.js";
import type { Config } from "../../shared/config.js";
import { buildFederatedSchema } from "../../shared/graphql/federation.js";
import type { Keyring } from "../../shared/keyring/keyring.js";
import type { Logger } from "../../shared/logger.js";
import type { ServiceMetrics } from "../../shared/service/metrics.js";
import type { SubgraphModule } from "../../shared/service/subgraph-service.js";
import { IngestBatchEntity } from "./entities/ingest-batch.entity.js";
import { UserEntity } from "./entities/user.entity.js";
import { IngestMetrics } from "./ingestion/ingest-metrics.js";
import { IngestWorkerPool } from "./ingestion/ingest-worker-pool.js";
import {
  ingestionOptions,
  type UserIngestion,
  type UserIngestionOptions,
  UserIngestionService,
} from "./ingestion/user-ingestion.service.js";
import { identityPermissions } from "./permissions.js";
import { EnvelopePersonalDataProtector } from "./personal-data-protector.js";
import { createIdentityResolvers, type IdentityServices } from "./user.resolver.js";
import { UserService } from "./user.service.js";
import { UserErasureService } from "./user-erasure.service.js";

export interface IdentityRuntime extends IdentityServices {
  orm: Orm;
  /** Ends what the runtime started (the ingest worker threads); the ORM and keyring belong to the caller. */
  close(): Promise<void>;
}

export interface IdentityRuntimeDeps {
  config: Config;
  orm: Orm;
  keyring: Keyring;
  metrics?: ServiceMetrics;
  /**
   * Where ingest worker threads connect and log. Without it (or with `TRUSTID_INGEST_WORKERS=0`) batches are
   * ingested on the calling thread. Workers open their own keyring from `config`, so only pass this when
   * `keyring` was made from the same config.
   */
  workers?: { databaseUrl: string; logger: Logger };
}

/** The identity services over one ORM and keyring: what the subgraph serves and the CLI's `ingest` drives. */
export function createIdentityRuntime(
  deps: IdentityRuntimeDeps,
  overrides: Partial<UserIngestionOptions> = {},
): IdentityRuntime {
  const { config } = deps;
  const protector = new EnvelopePersonalDataProtector(deps.keyring);
  const metrics = deps.metrics ? new IngestMetrics(deps.metrics.registry) : undefined;
  const ingestion: UserIngestion =
    deps.workers && config.ingest.workers > 0
      ? new IngestWorkerPool({
          config,
          databaseUrl: deps.workers.databaseUrl,
          threads: config.ingest.workers,
          logger: deps.workers.logger,
          metrics,
        })
      : new UserIngestionService(protector, { ...ingestionOptions(config), metrics, ...overrides });
  return {
    orm: deps.orm,
    users: new UserService(),
    protector,
    ingestion,
    erasure: new UserErasureService(protector),
    close: async () => {
      await ingestion.close?.();
    },
  };
}

export const identitySubgraph: SubgraphModule = {
  name: "identity",
  permissions: identityPermissions,
  entities: [UserEntity, IngestBatchEntity],
  migrationSets: ["audit", "keyring", "identity"],
  buildSchema: async (deps) => {
    const runtime = createIdentityRuntime({
      ...deps,
      workers: { databaseUrl: deps.databaseUrl, logger: deps.logger },
    });
    // Ingest threads wind down with the requests waiting on them, within the same grace period.
    deps.onStop(() => runtime.close(), { duringDrain: true });
    if (runtime.ingestion instanceof IngestWorkerPool) await runtime.ingestion.warm();
    const { resolvers, resolveUserReference } = createIdentityResolvers(runtime);
    return buildFederatedSchema(
      { resolvers },
      { User: { __resolveReference: resolveUserReference as never } },
    );
  },
};
