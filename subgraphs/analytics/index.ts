import { buildFederatedSchema } from "../../shared/graphql/federation.js";
import type { SubgraphModule } from "../../shared/service/subgraph-service.js";
import { createAnalyticsResolver } from "./analytics.resolver.js";
import { AnalyticsService } from "./analytics.service.js";
import { RollupEntity } from "./entities/rollup.entity.js";
import { analyticsPermissions } from "./permissions.js";

export const analyticsSubgraph: SubgraphModule = {
  name: "analytics",
  permissions: analyticsPermissions,
  entities: [RollupEntity],
  migrationSets: ["audit", "analytics"],
  buildSchema: ({ config }) =>
    buildFederatedSchema({
      resolvers: [createAnalyticsResolver(new AnalyticsService(config.analytics.k), config.analytics.k)],
    }),
};
