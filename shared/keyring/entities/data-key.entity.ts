import { Check, Entity, Index, PrimaryKey, Property } from "@mikro-orm/core";

/**
 * A data subject's data key, wrapped by the key-encryption key (`vault:v<N>:...`, bound to the subject id).
 * Crypto-shredding clears `wrappedKey` and sets `destroyedAt`: the row stays as evidence that the subject
 * existed and was erased, the key is gone, and with it every field sealed under it.
 */
@Entity({ schema: "keyring", tableName: "data_keys" })
@Index({ properties: ["kekVersion"] })
@Check({
  name: "data_keys_destroyed_check",
  expression:
    "(wrapped_key is null) = (destroyed_at is not null) and (wrapped_key is null) = (kek_version is null)",
})
export class DataKeyEntity {
  @PrimaryKey({ type: "uuid" })
  subjectId!: string;

  @Property({ type: "text", nullable: true })
  wrappedKey?: string | null;

  /** The KEK version that wrapped it (parsed from wrappedKey), so rotation finds what is left to rewrap. */
  @Property({ type: "integer", nullable: true })
  kekVersion?: number | null;

  @Property({ type: "datetime", columnType: "timestamptz" })
  createdAt!: Date;

  @Property({ type: "datetime", columnType: "timestamptz", nullable: true })
  destroyedAt?: Date | null;
}
