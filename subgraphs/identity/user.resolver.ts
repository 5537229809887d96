import { DateResolver } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../shared/context.js";
import { BadUserInputError } from "../../shared/errors.js";
import type { Connection } from "../../shared/graphql/connection.js";
import { type PersonalColumn, type UserEntity, UserStatus } from "./entities/user.entity.js";
import { UserIngestReport, UserIngestResult, VerifiedUserInput } from "./graphql/ingest.types.js";
import { User, UserConnection } from "./graphql/user.type.js";
import type { UserIngestion } from "./ingestion/user-ingestion.service.js";
import type { PersonalDataProtector } from "./personal-data.js";
import { recordPersonalDataRead } from "./personal-data-read-audit.js";
import { toUser } from "./user.mapper.js";
import type { UserService } from "./user.service.js";
import type { UserErasureService } from "./user-erasure.service.js";
import { cleanEmail, normaliseEmailForIndex } from "./validation/index.js";

export interface IdentityServices {
  users: UserService;
  protector: PersonalDataProtector;
  ingestion: UserIngestion;
  erasure: UserErasureService;
}

/** Resolvers are a few lines each: they delegate to the services and map entities to GraphQL objects. */
export function createIdentityResolvers(services: IdentityServices) {
  const { users, protector, ingestion, erasure } = services;
  const maybeUser = (entity: UserEntity | null) => (entity ? toUser(entity) : null);

  async function open(ctx: RequestContext, user: User, column: PersonalColumn): Promise<string | null> {
    const sealed = user.sealed[column];
    if (user.status === UserStatus.ERASED || !sealed) return null;
    await recordPersonalDataRead(ctx, user.id, column);
    return protector.open(ctx, user.id, column, sealed);
  }

  @Resolver(() => User)
  class UserResolver {
    @Query(() => User, { nullable: true })
    async user(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<User | null> {
      return maybeUser(await users.byId(ctx, id));
    }

    @Query(() => User, { nullable: true })
    async userByExternalRef(
      @Arg("externalRef", () => String) externalRef: string,
      @Ctx() ctx: RequestContext,
    ): Promise<User | null> {
      return maybeUser(await users.byExternalRef(ctx, externalRef));
    }

    @Query(() => User, {
      nullable: true,
      description: "Blind-index look-up; case-insensitive on the normalised address",
    })
    async userByEmail(
      @Arg("email", () => String) email: string,
      @Ctx() ctx: RequestContext,
    ): Promise<User | null> {
      const cleaned = cleanEmail(email);
      if (!cleaned.ok) throw new BadUserInputError(cleaned.error.message, cleaned.error.code);
      const [index] = await protector.emailIndexes([normaliseEmailForIndex(cleaned.value)]);
      return maybeUser(await users.byEmailIndex(ctx, index!));
    }

    @Query(() => UserConnection)
    async users(
      @Arg("first", () => Int, { defaultValue: 50 }) first: number,
      @Arg("after", () => String, { nullable: true }) after: string | null,
      @Ctx() ctx: RequestContext,
    ): Promise<Connection<User>> {
      const page = await users.page(ctx, first, after);
      return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toUser(e.node) })) };
    }

    @FieldResolver(() => String, { nullable: true })
    firstName(@Root() user: User, @Ctx() ctx: RequestContext) {
      return open(ctx, user, "firstName");
    }

    @FieldResolver(() => String, { nullable: true })
    lastName(@Root() user: User, @Ctx() ctx: RequestContext) {
      return open(ctx, user, "lastName");
    }

    @FieldResolver(() => String, { nullable: true })
    email(@Root() user: User, @Ctx() ctx: RequestContext) {
      return open(ctx, user, "email");
    }

    @FieldResolver(() => String, { nullable: true })
    phoneNumber(@Root() user: User, @Ctx() ctx: RequestContext) {
      return open(ctx, user, "phoneNumber");
    }

    @FieldResolver(() => DateResolver, { nullable: true })
    dateOfBirth(@Root() user: User, @Ctx() ctx: RequestContext) {
      return open(ctx, user, "dateOfBirth");
    }

    @Mutation(() => UserIngestReport)
    ingestVerifiedUsers(
      @Arg("batch", () => [VerifiedUserInput]) batch: VerifiedUserInput[],
      @Arg("idempotencyKey", () => String, { nullable: true }) idempotencyKey: string | null,
      @Ctx() ctx: RequestContext,
    ): Promise<UserIngestReport> {
      return ingestion.ingest(ctx, batch, idempotencyKey) as Promise<UserIngestReport>;
    }

    @Mutation(() => User, { description: "Crypto-shreds the user's personal data; admin" })
    async eraseUser(
      @Arg("id", () => ID) id: string,
      @Arg("reason", () => String) reason: string,
      @Ctx() ctx: RequestContext,
    ): Promise<User> {
      return toUser(await erasure.erase(ctx, id, reason));
    }
  }

  @Resolver(() => UserIngestResult)
  class UserIngestResultResolver {
    @FieldResolver(() => User, { nullable: true })
    async user(@Root() result: UserIngestResult, @Ctx() ctx: RequestContext): Promise<User | null> {
      return result.userId ? maybeUser(await users.byId(ctx, result.userId)) : null;
    }
  }

  /** `_entities` for User: the gateway asks for many users at once, the loader answers in one query. */
  async function resolveUserReference(reference: { id: string }, ctx: RequestContext): Promise<User | null> {
    return maybeUser(await users.byId(ctx, reference.id));
  }

  return { resolvers: [UserResolver, UserIngestResultResolver] as const, resolveUserReference };
}
