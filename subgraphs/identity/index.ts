import type { Orm } from "../../db/orm.js";
import type { Config } from "../../shared/config.js";
import { buildFederatedSchema } from "../../shared/graphql/federation.js";
import type { Keyring } from "../../shared/keyring/keyring.js";
import type { ServiceMetrics } from "../../shared/service/metrics.js";
import type { SubgraphModule } from "../../shared/service/subgraph-service.js";
import { IngestBatchEntity } from "./entities/ingest-batch.entity.js";
import { UserEntity } from "./entities/user.entity.js";
import { IngestMetrics } from "./ingestion/ingest-metrics.js";
import { type UserIngestionOptions, UserIngestionService } from "./ingestion/user-ingestion.service.js";
import { identityPermissions } from "./permissions.js";
import { EnvelopePersonalDataProtector } from "./personal-data-protector.js";
import { createIdentityResolvers, type IdentityServices } from "./user.resolver.js";
import { UserService } from "./user.service.js";
import { UserErasureService } from "./user-erasure.service.js";
import type { CountryCode } from "./validation/index.js";

export interface IdentityRuntime extends IdentityServices {
  orm: Orm;
}

/** The identity services over one ORM and keyring: what the subgraph serves and the CLI's `ingest` drives. */
export function createIdentityRuntime(
  deps: { config: Config; orm: Orm; keyring: Keyring; metrics?: ServiceMetrics },
  overrides: Partial<UserIngestionOptions> = {},
): IdentityRuntime {
  const { config } = deps;
  const protector = new EnvelopePersonalDataProtector(deps.keyring);
  return {
    orm: deps.orm,
    users: new UserService(),
    protector,
    ingestion: new UserIngestionService(protector, {
      maxBatch: config.ingest.maxBatch,
      chunkSize: config.ingest.chunkSize,
      defaultRegion: config.ingest.defaultPhoneRegion as CountryCode,
      maxAgeYears: config.ingest.maxAgeYears,
      metrics: deps.metrics ? new IngestMetrics(deps.metrics.registry) : undefined,
      ...overrides,
    }),
    erasure: new UserErasureService(protector),
  };
}

export const identitySubgraph: SubgraphModule = {
  name: "identity",
  permissions: identityPermissions,
  entities: [UserEntity, IngestBatchEntity],
  migrationSets: ["audit", "keyring", "identity"],
  buildSchema: (deps) => {
    const { resolvers, resolveUserReference } = createIdentityResolvers(createIdentityRuntime(deps));
    return buildFederatedSchema(
      { resolvers },
      { User: { __resolveReference: resolveUserReference as never } },
    );
  },
};
