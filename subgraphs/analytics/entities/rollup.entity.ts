import { Entity, PrimaryKey, Property } from "@mikro-orm/core";

/**
 * Pre-aggregated counts per hour: the analytics subgraph reads only these, never another schema, and never
 * anything that identifies a person (a dimension is a code such as a schema name or an error code).
 */
@Entity({ schema: "analytics", tableName: "rollups" })
export class RollupEntity {
  @PrimaryKey({ type: "datetime", columnType: "timestamptz" })
  bucket!: Date;

  @PrimaryKey({ type: "string", length: 64 })
  metric!: string;

  @PrimaryKey({ type: "string", length: 128 })
  dimension!: string;

  @Property({ type: "bigint" })
  count!: string;
}
