import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { CredentialFormat, CredentialStatus } from "../entities/credential.entity.js";

registerEnumType(CredentialFormat, { name: "CredentialFormat" });
registerEnumType(CredentialStatus, { name: "CredentialStatus" });

@ObjectType("CredentialSchema")
@Directive('@key(fields: "id")')
export class CredentialSchema {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  version!: string;

  @Field(() => [String])
  attributes!: string[];

  @Field(() => String, { description: "The schema's identifier on the ledger" })
  ledgerId!: string;
}

/** The identity subgraph's User, as this subgraph knows it: its key, plus the credentials it contributes. */
@ObjectType("User")
@Directive('@key(fields: "id")')
export class HolderRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType("Credential")
@Directive('@key(fields: "id")')
export class Credential {
  @Field(() => ID)
  id!: string;

  holderId!: string;
  schemaId!: string;

  @Field(() => CredentialFormat)
  format!: CredentialFormat;

  @Field(() => CredentialStatus)
  status!: CredentialStatus;

  @Field(() => DateTimeResolver)
  issuedAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  expiresAt?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  revokedAt?: Date | null;

  @Field(() => String, { nullable: true })
  revocationReason?: string | null;

  @Field(() => JSONResolver, { nullable: true, description: "Personal data: admin, support" })
  claims?: unknown;
}
