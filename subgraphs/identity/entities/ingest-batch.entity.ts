import { Entity, Enum, OptionalProps, PrimaryKey, Property, Unique } from "@mikro-orm/core";

export enum IngestBatchState {
  IN_PROGRESS = "IN_PROGRESS",
  COMPLETED = "COMPLETED",
}

/**
 * One `ingestVerifiedUsers` call. It is the idempotency record (unique key per caller), the lease that keeps
 * two concurrent retries from both writing, and the resume point: each chunk commits its results here in the
 * same transaction as its rows, so a retry after a crash continues after the last whole chunk.
 */
@Entity({ schema: "identity", tableName: "ingest_batches" })
@Unique({ properties: ["actor", "idempotencyKey"] })
export class IngestBatchEntity {
  [OptionalProps]?: "state" | "createdAt" | "chunksDone";

  @PrimaryKey({ type: "uuid" })
  id!: string;

  /** The token subject that sent it: keys are scoped per caller, so two backends cannot collide. */
  @Property({ type: "string", length: 256 })
  actor!: string;

  @Property({ type: "string", length: 256, nullable: true })
  idempotencyKey?: string | null;

  /** sha256 of the canonical batch: the same key with a different batch is a client bug (CONFLICT). */
  @Property({ type: "string", length: 64 })
  requestHash!: string;

  @Enum({ items: () => IngestBatchState, type: "string", length: 16 })
  state: IngestBatchState = IngestBatchState.IN_PROGRESS;

  @Property({ type: "integer" })
  received!: number;

  @Property({ type: "integer" })
  chunksDone = 0;

  /** Per-record results so far (ids and codes only), in input order. */
  @Property({ type: "json", columnType: "jsonb" })
  results!: unknown[];

  /** Who holds the batch until when; an expired lease means its holder died and a retry may resume. */
  @Property({ type: "datetime", columnType: "timestamptz", nullable: true })
  leaseUntil?: Date | null;

  /**
   * A random token of the call that holds the lease, so a caller gives back only a lease it holds itself (the
   * owner of an ingest thread that died mid-batch, for one) and never a concurrent retry's.
   */
  @Property({ type: "string", length: 64, nullable: true })
  leaseHolder?: string | null;

  @Property({ type: "datetime", columnType: "timestamptz" })
  createdAt: Date = new Date();

  @Property({ type: "datetime", columnType: "timestamptz", nullable: true })
  completedAt?: Date | null;
}
