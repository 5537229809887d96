import type { RequestContext } from "../../shared/context.js";
import { BadUserInputError } from "../../shared/errors.js";
import {
  type Connection,
  decodeCursor,
  encodeCursor,
  PAGE_SIZE_MAX,
} from "../../shared/graphql/connection.js";
import { UserEntity, UserStatus } from "./entities/user.entity.js";
import { userLoader } from "./user.loaders.js";

/** Reads of users. Stateless: the request context comes first, as every service method here takes it. */
export class UserService {
  byId(ctx: RequestContext, id: string): Promise<UserEntity | null> {
    return userLoader(ctx).load(id);
  }

  byExternalRef(ctx: RequestContext, externalRef: string): Promise<UserEntity | null> {
    return ctx.em.findOne(UserEntity, { externalRef });
  }

  /** The active user with this blind index (the most recently verified, should two share an address). */
  async byEmailIndex(ctx: RequestContext, emailIndex: string): Promise<UserEntity | null> {
    const [user] = await ctx.em.find(
      UserEntity,
      { emailIndex, status: UserStatus.ACTIVE },
      { orderBy: { verifiedAt: "desc", id: "desc" }, limit: 1 },
    );
    return user ?? null;
  }

  /** Keyset pagination over (createdAt, id): stable under concurrent inserts, no OFFSET scans. */
  async page(ctx: RequestContext, first: number, after?: string | null): Promise<Connection<UserEntity>> {
    if (!Number.isInteger(first) || first < 0 || first > PAGE_SIZE_MAX) {
      throw new BadUserInputError(`first must be between 0 and ${PAGE_SIZE_MAX}`);
    }
    const where: Record<string, unknown> = {};
    if (after) {
      const key = decodeCursor(after);
      if (key?.length !== 2 || typeof key[0] !== "string" || typeof key[1] !== "string") {
        throw new BadUserInputError("after is not a valid cursor");
      }
      const createdAt = new Date(key[0]);
      where.$or = [{ createdAt: { $gt: createdAt } }, { createdAt, id: { $gt: key[1] } }];
    }
    const rows = await ctx.em.find(UserEntity, where, {
      orderBy: { createdAt: "asc", id: "asc" },
      limit: first + 1,
    });
    const page = rows.slice(0, first);
    const edges = page.map((node) => ({
      node,
      cursor: encodeCursor([node.createdAt.toISOString(), node.id]),
    }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
