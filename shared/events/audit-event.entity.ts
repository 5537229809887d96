import { Entity, Index, PrimaryKey, Property } from "@mikro-orm/core";

/**
 * One line of the append-only, hash-chained audit trail (`audit.events`). It carries ids and codes only:
 * never a personal value. `hash = sha256(prevHash || canonical(event))`, so `trustid audit verify` detects
 * any edited, removed or reordered line.
 */
@Entity({ schema: "audit", tableName: "events" })
@Index({ properties: ["subjectType", "subjectId"] })
@Index({ properties: ["type", "seq"] })
export class AuditEventEntity {
  @PrimaryKey({ type: "bigint", autoincrement: true })
  seq!: string;

  @Property({ type: "datetime", columnType: "timestamptz" })
  occurredAt!: Date;

  @Property({ type: "string", length: 64 })
  type!: string;

  @Property({ type: "string", length: 32 })
  subjectType!: string;

  @Property({ type: "string", length: 128 })
  subjectId!: string;

  /** The token subject that caused the event, or `system`. */
  @Property({ type: "string", length: 256 })
  actor!: string;

  @Property({ type: "string", length: 64, nullable: true })
  requestId?: string | null;

  @Property({ type: "json", columnType: "jsonb" })
  data!: Record<string, unknown>;

  @Property({ type: "string", length: 64 })
  prevHash!: string;

  /**
   * Not indexed: nothing looks a line up by its hash, and the chain itself (appends serialised by an advisory
   * lock, checked by `audit verify`) is what makes every hash depend on every line before it. A unique index
   * on random 64-character keys cost a random B-tree insert per event (about 5 µs of PostgreSQL CPU per
   * ingested user, 12% of the database's share) and would only grow costlier with the table.
   */
  @Property({ type: "string", length: 64 })
  hash!: string;
}
