import { Entity, PrimaryKey, Property } from "@mikro-orm/core";

/** A named key of the local keyring; its versions are `keyring.key_versions`. Vault keeps its own. */
@Entity({ schema: "keyring", tableName: "keys" })
export class KeyEntity {
  @PrimaryKey({ type: "string", length: 128 })
  name!: string;

  /** aes256-gcm96 | ed25519 | hmac */
  @Property({ type: "string", length: 16 })
  type!: string;

  @Property({ type: "integer" })
  latestVersion!: number;

  /** Versions below this no longer decrypt or verify (retired after a rotation). */
  @Property({ type: "integer" })
  minDecryptionVersion!: number;

  @Property({ type: "datetime", columnType: "timestamptz" })
  createdAt!: Date;

  @Property({ type: "datetime", columnType: "timestamptz" })
  updatedAt!: Date;
}
