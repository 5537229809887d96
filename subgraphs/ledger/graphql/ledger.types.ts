import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";
import { connectionTypes } from "../../../shared/graphql/connection.js";

@ObjectType("LedgerTransaction")
export class LedgerTransaction {
  @Field(() => Int)
  seqNo!: number;

  @Field(() => String, {
    description: "Indy transaction type: NYM, ATTRIB, SCHEMA, CLAIM_DEF, REVOC_REG_DEF, REVOC_REG_ENTRY",
  })
  type!: string;

  @Field(() => String, { description: "DID of the author" })
  author!: string;

  @Field(() => DateTimeResolver)
  txnTime!: Date;

  @Field(() => String)
  hash!: string;

  @Field(() => JSONResolver)
  data!: Record<string, unknown>;
}

@ObjectType("LedgerStatus")
export class LedgerStatus {
  @Field(() => String, { description: "embedded | indy-vdr" })
  driver!: string;

  @Field(() => Int)
  height!: number;

  @Field(() => String)
  lastHash!: string;
}

export const { ConnectionType: LedgerTransactionConnection } = connectionTypes(
  LedgerTransaction,
  "LedgerTransaction",
);
