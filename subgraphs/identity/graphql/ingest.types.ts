import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { FieldErrorType, IngestStatus } from "../../../shared/graphql/ingest.types.js";

@InputType("VerifiedUserInput", { description: "A person whose documents the backend has verified" })
export class VerifiedUserInput {
  @Field(() => String, { description: "The backend's own id; unique; makes ingestion idempotent" })
  externalRef!: string;

  @Field(() => String)
  firstName!: string;

  @Field(() => String)
  lastName!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String, { description: "ISO 8601 date (YYYY-MM-DD); YYYYMMDD is accepted too" })
  dateOfBirth!: string;

  @Field(() => String, { nullable: true, description: "Normalised to E.164" })
  phoneNumber?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "When the backend verified the documents" })
  verifiedAt?: Date | null;
}

@ObjectType("UserIngestResult")
export class UserIngestResult {
  @Field(() => Int)
  index!: number;

  @Field(() => String, { nullable: true })
  externalRef!: string | null;

  @Field(() => IngestStatus)
  status!: IngestStatus;

  /** Resolved from userId by the field resolver (through the request's user loader). */
  userId!: string | null;

  @Field(() => [FieldErrorType])
  errors!: FieldErrorType[];
}

@ObjectType("UserIngestReport")
export class UserIngestReport {
  @Field(() => ID)
  batchId!: string;

  @Field(() => Int)
  received!: number;

  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int)
  unchanged!: number;

  @Field(() => Int)
  rejected!: number;

  @Field(() => Boolean, {
    description: "True when idempotencyKey was seen before: the stored report is returned",
  })
  replayed!: boolean;

  @Field(() => [UserIngestResult], { description: "One per input, in input order" })
  results!: UserIngestResult[];
}
