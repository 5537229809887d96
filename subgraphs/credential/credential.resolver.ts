import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../shared/context.js";
import { credentialLoader, credentialSchemaLoader, credentialsByHolderLoader } from "./credential.loaders.js";
import { toCredential, toCredentialSchema } from "./credential.mapper.js";
import { CredentialSchemaEntity } from "./entities/credential-schema.entity.js";
import { Credential, CredentialSchema, HolderRef } from "./graphql/credential.types.js";

@Resolver(() => Credential)
export class CredentialResolver {
  @Query(() => Credential, { nullable: true })
  async credential(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Credential | null> {
    const entity = await credentialLoader(ctx).load(id);
    return entity ? toCredential(entity) : null;
  }

  @Query(() => [CredentialSchema])
  async credentialSchemas(@Ctx() ctx: RequestContext): Promise<CredentialSchema[]> {
    const rows = await ctx.em.find(CredentialSchemaEntity, {}, { orderBy: { name: "asc", version: "asc" } });
    return rows.map(toCredentialSchema);
  }

  @FieldResolver(() => HolderRef)
  holder(@Root() credential: Credential): HolderRef {
    return Object.assign(new HolderRef(), { id: credential.holderId });
  }

  @FieldResolver(() => CredentialSchema)
  async schema(@Root() credential: Credential, @Ctx() ctx: RequestContext): Promise<CredentialSchema> {
    const entity = await credentialSchemaLoader(ctx).load(credential.schemaId);
    if (!entity) throw new Error(`credential schema ${credential.schemaId} missing`);
    return toCredentialSchema(entity);
  }
}

@Resolver(() => HolderRef)
export class HolderCredentialsResolver {
  @FieldResolver(() => [Credential])
  async credentials(@Root() holder: HolderRef, @Ctx() ctx: RequestContext): Promise<Credential[]> {
    const rows = await credentialsByHolderLoader(ctx).load(holder.id);
    return rows.map(toCredential);
  }
}

export const credentialReferences = {
  Credential: {
    __resolveReference: async (ref: { id: string }, ctx: RequestContext) => {
      const entity = await credentialLoader(ctx).load(ref.id);
      return entity ? toCredential(entity) : null;
    },
  },
  CredentialSchema: {
    __resolveReference: async (ref: { id: string }, ctx: RequestContext) => {
      const entity = await credentialSchemaLoader(ctx).load(ref.id);
      return entity ? toCredentialSchema(entity) : null;
    },
  },
  // A User is whatever identity says it is; this subgraph only needs its id to find the credentials.
  User: { __resolveReference: (ref: { id: string }) => Object.assign(new HolderRef(), { id: ref.id }) },
};
