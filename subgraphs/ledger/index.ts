import { buildFederatedSchema } from "../../shared/graphql/federation.js";
import type { SubgraphModule } from "../../shared/service/subgraph-service.js";
import { LedgerTransactionEntity } from "./entities/ledger-transaction.entity.js";
import { LedgerResolver } from "./ledger.resolver.js";
import { ledgerPermissions } from "./permissions.js";

export const ledgerSubgraph: SubgraphModule = {
  name: "ledger",
  permissions: ledgerPermissions,
  entities: [LedgerTransactionEntity],
  migrationSets: ["audit", "keyring", "ledger"],
  buildSchema: () => buildFederatedSchema({ resolvers: [LedgerResolver] }),
};
