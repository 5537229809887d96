import { DateTimeResolver } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, Query, Resolver, registerEnumType } from "type-graphql";
import type { RequestContext } from "../../shared/context.js";
import { type AnalyticsService, Granularity } from "./analytics.service.js";
import { Analytics, AnalyticsCell } from "./graphql/analytics.types.js";

registerEnumType(Granularity, { name: "Granularity" });

export function createAnalyticsResolver(service: AnalyticsService, k: number) {
  @Resolver(() => Analytics)
  class AnalyticsResolver {
    @Query(() => Analytics, { description: "analyst, admin" })
    analytics(): Analytics {
      return Object.assign(new Analytics(), { k });
    }

    @FieldResolver(() => [AnalyticsCell], {
      description:
        "users_ingested, users_rejected (by code), credentials_issued (by schema), credentials_revoked, presentations_verified",
    })
    series(
      @Arg("metric", () => String) metric: string,
      @Arg("from", () => DateTimeResolver) from: Date,
      @Arg("to", () => DateTimeResolver) to: Date,
      @Arg("granularity", () => Granularity, { defaultValue: Granularity.DAY }) granularity: Granularity,
      @Ctx() ctx: RequestContext,
    ): Promise<AnalyticsCell[]> {
      return service.series(ctx, metric, from, to, granularity);
    }
  }
  return AnalyticsResolver;
}
