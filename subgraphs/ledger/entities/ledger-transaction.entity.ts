import { Entity, Index, PrimaryKey, Property } from "@mikro-orm/core";

/**
 * A transaction of the embedded ledger: append-only, hash-chained and signed, with Indy's transaction types
 * (NYM, ATTRIB, SCHEMA, CLAIM_DEF, REVOC_REG_DEF, REVOC_REG_ENTRY) and identifier formats.
 */
@Entity({ schema: "ledger", tableName: "transactions" })
@Index({ properties: ["type", "seqNo"] })
export class LedgerTransactionEntity {
  @PrimaryKey({ type: "integer", autoincrement: false })
  seqNo!: number;

  @Property({ type: "string", length: 32 })
  type!: string;

  /** The DID that signed it. */
  @Property({ type: "string", length: 128 })
  author!: string;

  @Property({ type: "datetime", columnType: "timestamptz" })
  txnTime!: Date;

  @Property({ type: "json", columnType: "jsonb" })
  data!: Record<string, unknown>;

  @Property({ type: "string", length: 64 })
  prevHash!: string;

  @Property({ type: "string", length: 64, unique: true })
  hash!: string;

  @Property({ type: "string", length: 128 })
  signature!: string;
}
