import { buildFederatedSchema, type ReferenceResolvers } from "../../shared/graphql/federation.js";
import type { SubgraphModule } from "../../shared/service/subgraph-service.js";
import {
  CredentialResolver,
  credentialReferences,
  HolderCredentialsResolver,
} from "./credential.resolver.js";
import { CredentialEntity } from "./entities/credential.entity.js";
import { CredentialSchemaEntity } from "./entities/credential-schema.entity.js";
import { credentialPermissions } from "./permissions.js";

export const credentialSubgraph: SubgraphModule = {
  name: "credential",
  permissions: credentialPermissions,
  entities: [CredentialSchemaEntity, CredentialEntity],
  migrationSets: ["audit", "keyring", "credential"],
  buildSchema: () =>
    buildFederatedSchema(
      { resolvers: [CredentialResolver, HolderCredentialsResolver] },
      credentialReferences as unknown as ReferenceResolvers,
    ),
};
