import type { RequestContext } from "../../shared/context.js";
import { BadUserInputError } from "../../shared/errors.js";
import {
  type Connection,
  decodeCursor,
  encodeCursor,
  PAGE_SIZE_MAX,
} from "../../shared/graphql/connection.js";
import { LedgerTransactionEntity } from "./entities/ledger-transaction.entity.js";

export const GENESIS_HASH = "0".repeat(64);

export class LedgerService {
  async status(ctx: RequestContext): Promise<{ height: number; lastHash: string }> {
    const [last] = await ctx.em.find(LedgerTransactionEntity, {}, { orderBy: { seqNo: "desc" }, limit: 1 });
    return { height: last?.seqNo ?? 0, lastHash: last?.hash ?? GENESIS_HASH };
  }

  async page(
    ctx: RequestContext,
    first: number,
    after?: string | null,
    type?: string | null,
  ): Promise<Connection<LedgerTransactionEntity>> {
    if (!Number.isInteger(first) || first < 0 || first > PAGE_SIZE_MAX) {
      throw new BadUserInputError(`first must be between 0 and ${PAGE_SIZE_MAX}`);
    }
    const where: Record<string, unknown> = {};
    if (type) where.type = type;
    if (after) {
      const key = decodeCursor(after);
      if (!key || typeof key[0] !== "number") throw new BadUserInputError("after is not a valid cursor");
      where.seqNo = { $gt: key[0] };
    }
    const rows = await ctx.em.find(LedgerTransactionEntity, where, {
      orderBy: { seqNo: "asc" },
      limit: first + 1,
    });
    const edges = rows.slice(0, first).map((node) => ({ node, cursor: encodeCursor([node.seqNo]) }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
