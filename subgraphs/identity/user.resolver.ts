import { Arg, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../shared/context.js";
import type { Connection } from "../../shared/graphql/connection.js";
import type { UserEntity } from "./entities/user.entity.js";
import { User, UserConnection } from "./graphql/user.type.js";
import { toUser } from "./user.mapper.js";
import { UserService } from "./user.service.js";

const users = new UserService();

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true })
  async user(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<User | null> {
    const entity = await users.byId(ctx, id);
    return entity ? toUser(entity) : null;
  }

  @Query(() => User, { nullable: true })
  async userByExternalRef(
    @Arg("externalRef", () => String) externalRef: string,
    @Ctx() ctx: RequestContext,
  ): Promise<User | null> {
    const entity = await users.byExternalRef(ctx, externalRef);
    return entity ? toUser(entity) : null;
  }

  @Query(() => UserConnection)
  async users(
    @Arg("first", () => Int, { defaultValue: 50 }) first: number,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<Connection<User>> {
    const page: Connection<UserEntity> = await users.page(ctx, first, after);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toUser(e.node) })) };
  }
}

/** `_entities` for User: the gateway asks for many users at once, the loader answers in one query. */
export async function resolveUserReference(
  reference: { id: string },
  ctx: RequestContext,
): Promise<User | null> {
  const entity = await users.byId(ctx, reference.id);
  return entity ? toUser(entity) : null;
}
