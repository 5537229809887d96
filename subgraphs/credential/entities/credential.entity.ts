import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from "@mikro-orm/core";
import { CredentialSchemaEntity } from "./credential-schema.entity.js";

export enum CredentialFormat {
  SD_JWT_VC = "SD_JWT_VC",
  ANONCREDS = "ANONCREDS",
}

export enum CredentialStatus {
  ACTIVE = "ACTIVE",
  REVOKED = "REVOKED",
  EXPIRED = "EXPIRED",
}

@Entity({ schema: "credential", tableName: "credentials" })
@Index({ properties: ["holderId", "issuedAt"] })
export class CredentialEntity {
  [OptionalProps]?: "status";

  @PrimaryKey({ type: "uuid" })
  id!: string;

  /** identity.users.id: another subgraph's entity, so a plain id and never a foreign key or join. */
  @Property({ type: "uuid" })
  holderId!: string;

  @ManyToOne(() => CredentialSchemaEntity, { fieldName: "schema_id", deleteRule: "restrict" })
  schema!: CredentialSchemaEntity;

  @Enum({ items: () => CredentialFormat, type: "string", length: 16 })
  format!: CredentialFormat;

  @Enum({ items: () => CredentialStatus, type: "string", length: 16 })
  status: CredentialStatus = CredentialStatus.ACTIVE;

  @Property({ type: "datetime", columnType: "timestamptz" })
  issuedAt!: Date;

  @Property({ type: "datetime", columnType: "timestamptz", nullable: true })
  expiresAt?: Date | null;

  @Property({ type: "datetime", columnType: "timestamptz", nullable: true })
  revokedAt?: Date | null;

  @Property({ type: "string", length: 256, nullable: true })
  revocationReason?: string | null;
}
