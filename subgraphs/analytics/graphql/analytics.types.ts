import { DateTimeResolver } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";

@ObjectType("AnalyticsCell", {
  description: "One count. Below the k-anonymity threshold the count is null and suppressed is true.",
})
export class AnalyticsCell {
  @Field(() => DateTimeResolver)
  bucket!: Date;

  @Field(() => String, { description: "A code (schema name, error code, ...): never a personal value" })
  dimension!: string;

  @Field(() => Int, { nullable: true })
  count!: number | null;

  @Field(() => Boolean)
  suppressed!: boolean;
}

@ObjectType("Analytics")
export class Analytics {
  @Field(() => Int, { description: "The k-anonymity threshold in force" })
  k!: number;
}
