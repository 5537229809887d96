import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from "@mikro-orm/core";

export enum UserStatus {
  ACTIVE = "ACTIVE",
  ERASED = "ERASED",
}

/**
 * A verified person. Personal fields exist only as ciphertext sealed with the person's own data key (see
 * shared/crypto), bound to (table, column, user id); equality look-ups go through blind indexes.
 */
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

  @Property({ type: "blob", columnType: "bytea", nullable: true })
  firstNameCt?: Buffer | null;

  @Property({ type: "blob", columnType: "bytea", nullable: true })
  lastNameCt?: Buffer | null;

  @Property({ type: "blob", columnType: "bytea", nullable: true })
  emailCt?: Buffer | null;

  @Property({ type: "blob", columnType: "bytea", nullable: true })
  phoneNumberCt?: Buffer | null;

  @Property({ type: "blob", columnType: "bytea", nullable: true })
  dateOfBirthCt?: Buffer | null;

  /** HMAC of the normalised (lower-cased) email: `userByEmail` without decrypting anything. */
  @Property({ type: "string", length: 96, nullable: true })
  @Index()
  emailIndex?: string | null;

  /** HMAC of the E.164 phone number. */
  @Property({ type: "string", length: 96, nullable: true })
  @Index()
  phoneIndex?: string | null;

  /** Keyed hash of the cleaned record: tells UNCHANGED from UPDATED without decrypting the table. */
  @Property({ type: "string", length: 96, nullable: true })
  recordHash?: string | null;

  @Property({ type: "datetime", columnType: "timestamptz" })
  verifiedAt!: Date;

  @Property({ type: "datetime", columnType: "timestamptz", nullable: true })
  erasedAt?: Date | null;

  @Property({ type: "datetime", columnType: "timestamptz" })
  createdAt: Date = new Date();

  @Property({ type: "datetime", columnType: "timestamptz", onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** The personal columns, in the order the ingestion pipeline seals them. */
export const PERSONAL_COLUMNS = ["firstName", "lastName", "email", "phoneNumber", "dateOfBirth"] as const;
export type PersonalColumn = (typeof PERSONAL_COLUMNS)[number];
