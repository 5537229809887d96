import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../shared/context.js";
import type { Connection } from "../../shared/graphql/connection.js";
import type { LedgerTransactionEntity } from "./entities/ledger-transaction.entity.js";
import { LedgerStatus, LedgerTransaction, LedgerTransactionConnection } from "./graphql/ledger.types.js";
import { LedgerService } from "./ledger.service.js";

const ledger = new LedgerService();

function toTransaction(e: LedgerTransactionEntity): LedgerTransaction {
  return Object.assign(new LedgerTransaction(), {
    seqNo: e.seqNo,
    type: e.type,
    author: e.author,
    txnTime: e.txnTime,
    hash: e.hash,
    data: e.data,
  });
}

@Resolver(() => LedgerTransaction)
export class LedgerResolver {
  constructor(private readonly driver = "embedded") {}

  @Query(() => LedgerStatus)
  async ledgerStatus(@Ctx() ctx: RequestContext): Promise<LedgerStatus> {
    const status = await ledger.status(ctx);
    return Object.assign(new LedgerStatus(), { driver: this.driver, ...status });
  }

  @Query(() => LedgerTransactionConnection)
  async ledgerTransactions(
    @Arg("first", () => Int, { defaultValue: 50 }) first: number,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("type", () => String, { nullable: true }) type: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<Connection<LedgerTransaction>> {
    const page = await ledger.page(ctx, first, after, type);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toTransaction(e.node) })) };
  }
}
