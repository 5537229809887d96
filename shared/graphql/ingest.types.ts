import { Directive, Field, ObjectType, registerEnumType } from "type-graphql";

/** Outcome of one record in an ingest batch (users and credentials alike). */
export enum IngestStatus {
  CREATED = "CREATED",
  UPDATED = "UPDATED",
  UNCHANGED = "UNCHANGED",
  REJECTED = "REJECTED",
}
registerEnumType(IngestStatus, { name: "IngestStatus" });

/** A per-record problem: the field it concerns, a stable code, and a message that never echoes the value. */
@ObjectType("FieldError")
@Directive("@shareable")
export class FieldErrorType {
  @Field(() => String)
  field!: string;

  @Field(() => String)
  code!: string;

  @Field(() => String)
  message!: string;
}
