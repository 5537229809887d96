import type { RequestContext } from "../../shared/context.js";
import { BadUserInputError } from "../../shared/errors.js";
import type { AnalyticsCell } from "./graphql/analytics.types.js";

export const METRICS = [
  "users_ingested",
  "users_rejected",
  "credentials_issued",
  "credentials_revoked",
  "presentations_verified",
] as const;
export type Metric = (typeof METRICS)[number];
export enum Granularity {
  HOUR = "hour",
  DAY = "day",
}

export class AnalyticsService {
  constructor(private readonly k: number) {}

  /**
   * Counts of one metric per bucket and dimension. A cell below k is withheld (count null, suppressed true):
   * a small count can single a person out when joined with what the reader already knows.
   */
  async series(
    ctx: RequestContext,
    metric: string,
    from: Date,
    to: Date,
    granularity: Granularity,
  ): Promise<AnalyticsCell[]> {
    if (!(METRICS as readonly string[]).includes(metric)) {
      throw new BadUserInputError(`metric must be one of ${METRICS.join(", ")}`);
    }
    if (!(from < to)) throw new BadUserInputError("from must be before to");
    const rows: Array<{ bucket: Date; dimension: string; count: string }> = await ctx.em
      .getConnection()
      .execute(
        `select date_trunc(?, bucket) as bucket, dimension, sum(count)::bigint as count
           from analytics.rollups
          where metric = ? and bucket >= ? and bucket < ?
          group by 1, 2 order by 1, 2`,
        [granularity, metric, from, to],
      );
    return rows.map((r) => {
      const count = Number(r.count);
      const suppressed = count < this.k;
      return {
        bucket: new Date(r.bucket),
        dimension: r.dimension,
        count: suppressed ? null : count,
        suppressed,
      };
    });
  }
}
