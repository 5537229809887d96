import { Entity, ManyToOne, PrimaryKeyProp, Property } from "@mikro-orm/core";
import { KeyEntity } from "./key.entity.js";

/**
 * One version of a local key: its material sealed (AES-256-GCM) by the master key, bound to (key, version,
 * type). Append-only: a version is never updated, which is what lets every process cache it forever.
 */
@Entity({ schema: "keyring", tableName: "key_versions" })
export class KeyVersionEntity {
  @ManyToOne({ entity: () => KeyEntity, primary: true, fieldName: "key_name", deleteRule: "cascade" })
  key!: KeyEntity;

  @Property({ type: "integer", primary: true })
  version!: number;

  [PrimaryKeyProp]?: ["key", "version"];

  @Property({ type: "blob", columnType: "bytea" })
  wrappedMaterial!: Buffer;

  /** Raw Ed25519 public key (32 bytes), so public keys are served without unsealing anything. */
  @Property({ type: "blob", columnType: "bytea", nullable: true })
  publicKey?: Buffer | null;

  @Property({ type: "datetime", columnType: "timestamptz" })
  createdAt!: Date;
}
