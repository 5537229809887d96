import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from "@mikro-orm/core";

export enum UserStatus {
  ACTIVE = "ACTIVE",
  ERASED = "ERASED",
}

/** A verified person. Personal fields are stored only as ciphertext (see the keyring). */
@Entity({ schema: "identity", tableName: "users" })
@Index({ properties: ["createdAt", "id"] })
export class UserEntity {
  [OptionalProps]?: "status" | "createdAt" | "updatedAt";

  @PrimaryKey({ type: "uuid" })
  id!: string;

  /** The backend's own id: unique, and what makes ingestion idempotent. */
  @Property({ type: "string", length: 128, unique: true })
  externalRef!: string;

  @Enum({ items: () => UserStatus, type: "string", length: 16 })
  status: UserStatus = UserStatus.ACTIVE;

  @Property({ type: "datetime", columnType: "timestamptz" })
  verifiedAt!: Date;

  @Property({ type: "datetime", columnType: "timestamptz" })
  createdAt: Date = new Date();

  @Property({ type: "datetime", columnType: "timestamptz", onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
