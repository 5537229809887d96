import { Entity, OptionalProps, PrimaryKey, Property, Unique } from "@mikro-orm/core";

/** A credential type (NationalID, Passport, ...) and its attribute names, anchored on the ledger. */
@Entity({ schema: "credential", tableName: "schemas" })
@Unique({ properties: ["name", "version"] })
export class CredentialSchemaEntity {
  [OptionalProps]?: "createdAt";

  @PrimaryKey({ type: "uuid" })
  id!: string;

  @Property({ type: "string", length: 64 })
  name!: string;

  @Property({ type: "string", length: 32 })
  version!: string;

  @Property({ type: "array", columnType: "text[]" })
  attributes!: string[];

  /** The schema's identifier on the ledger (Indy schema id). */
  @Property({ type: "string", length: 256 })
  ledgerId!: string;

  @Property({ type: "datetime", columnType: "timestamptz" })
  createdAt: Date = new Date();
}
