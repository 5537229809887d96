import { DateResolver, DateTimeResolver } from "graphql-scalars";
import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { connectionTypes } from "../../../shared/graphql/connection.js";
import { type PersonalColumn, UserStatus } from "../entities/user.entity.js";

registerEnumType(UserStatus, { name: "UserStatus", description: "ACTIVE, or ERASED once crypto-shredded" });

@ObjectType("User", { description: "A person whose documents the backend has verified" })
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID)
  id!: string;

  /** The sealed personal values, opened only by the personal-field resolvers (never a GraphQL field). */
  sealed!: Record<PersonalColumn, Buffer | null>;

  @Field(() => String, { description: "The backend's own id; unique; makes ingestion idempotent" })
  externalRef!: string;

  @Field(() => UserStatus)
  status!: UserStatus;

  @Field(() => String, { nullable: true, description: "Personal data: admin, support" })
  firstName?: string | null;

  @Field(() => String, { nullable: true, description: "Personal data: admin, support" })
  lastName?: string | null;

  @Field(() => String, { nullable: true, description: "Personal data: admin, support" })
  email?: string | null;

  @Field(() => String, { nullable: true, description: "Personal data: admin, support (E.164)" })
  phoneNumber?: string | null;

  @Field(() => DateResolver, { nullable: true, description: "Personal data: admin, support" })
  dateOfBirth?: string | null;

  @Field(() => DateTimeResolver)
  verifiedAt!: Date;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver)
  updatedAt!: Date;
}

export const { ConnectionType: UserConnection } = connectionTypes(User, "User");
