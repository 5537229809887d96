import { buildFederatedSchema } from "../../shared/graphql/federation.js";
import type { SubgraphModule } from "../../shared/service/subgraph-service.js";
import { UserEntity } from "./entities/user.entity.js";
import { resolveUserReference, UserResolver } from "./user.resolver.js";

export const identitySubgraph: SubgraphModule = {
  name: "identity",
  entities: [UserEntity],
  migrationSets: ["audit", "keyring", "identity"],
  buildSchema: () =>
    buildFederatedSchema(
      { resolvers: [UserResolver] },
      { User: { __resolveReference: resolveUserReference as never } },
    ),
};
