import DataLoader from "dataloader";
import type { RequestContext } from "../../shared/context.js";
import { UserEntity } from "./entities/user.entity.js";

/** Users by id, batched per request: one SELECT for every reference the gateway sends in one `_entities`. */
export function userLoader(ctx: RequestContext): DataLoader<string, UserEntity | null> {
  return ctx.loader("identity.userById", () => {
    return new DataLoader<string, UserEntity | null>(async (ids) => {
      const rows = await ctx.em.find(UserEntity, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  });
}
