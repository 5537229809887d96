import { Entity, Index, PrimaryKey, Property } from "@mikro-orm/core";

/**
 * Progress of one `keys rotate`: the KEK version data keys are moved to and the last subject id rewrapped,
 * committed with each batch, so a rerun after a crash continues where it stopped instead of rotating again.
 */
@Entity({ schema: "keyring", tableName: "rotations" })
@Index({
  name: "rotations_one_open_per_key",
  expression:
    'create unique index "rotations_one_open_per_key" on "keyring"."rotations" ("key_name") where "finished_at" is null',
})
export class KeyRotationEntity {
  @PrimaryKey({ type: "bigint", autoincrement: true })
  id!: string;

  @Property({ type: "string", length: 128 })
  keyName!: string;

  /** The KEK's latest version when the rotation started. */
  @Property({ type: "integer" })
  fromVersion!: number;

  /** The version data keys are rewrapped to; null until the keyring has rotated. */
  @Property({ type: "integer", nullable: true })
  targetVersion?: number | null;

  /** Keyset cursor: every data key up to this subject id has been handled. */
  @Property({ type: "uuid", nullable: true })
  lastSubjectId?: string | null;

  @Property({ type: "bigint" })
  rewrapped!: string;

  @Property({ type: "bigint" })
  failed!: string;

  @Property({ type: "datetime", columnType: "timestamptz" })
  startedAt!: Date;

  @Property({ type: "datetime", columnType: "timestamptz" })
  updatedAt!: Date;

  @Property({ type: "datetime", columnType: "timestamptz", nullable: true })
  finishedAt?: Date | null;
}
