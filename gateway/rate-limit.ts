import { createHash } from "node:crypto";
import pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { applyMigrations } from "../db/migrate.js";
import type { Config } from "../shared/config.js";
import type { Viewer } from "../shared/context.js";
import { ServiceUnavailableError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one request for the caller; throws SERVICE_UNAVAILABLE when the counter store cannot answer. */
  consume(viewer: Viewer | null, clientAddress: string | undefined): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** Where the counters live: `gateway.rate_limits`, a table only the gateway uses. */
const SCHEMA = "gateway";
const TABLE = "rate_limits";

/**
 * Requests per subject per window (TRUSTID_RATE_LIMIT_REQUESTS per TRUSTID_RATE_LIMIT_WINDOW_S), counted in
 * PostgreSQL with rate-limiter-flexible (one atomic upsert per request), so every gateway instance shares the
 * same counters and a restart forgets nothing. Anonymous callers are counted by client address.
 *
 * Without a database (`serve gateway` in development with no DATABASE_URL) the counters are per process, with
 * a warning; production always has DATABASE_URL (the configuration refuses to start without it).
 */
export async function createRateLimiter(options: {
  config: Config;
  logger: Logger;
  databaseUrl?: string;
}): Promise<RateLimiter> {
  const { config, logger } = options;
  const limits = { points: config.rateLimit.requests, duration: config.rateLimit.windowSeconds };
  let pool: pg.Pool | undefined;
  let limiter: RateLimiterPostgres | RateLimiterMemory;
  if (options.databaseUrl) {
    pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: config.database.poolMax,
      application_name: "trustid-gateway",
      // A counter update need not wait for its WAL flush: a crash can at worst forget the last few
      // milliseconds of counts, and every request saves an fsync (most of the limiter's cost).
      options: "-c synchronous_commit=off",
    });
    try {
      // The table is a migration like every other (`gateway` set), applied here under the cluster-wide lock.
      await applyMigrations(options.databaseUrl, ["gateway"], logger);
      limiter = postgresLimiter(pool, limits);
    } catch (error) {
      await pool.end();
      throw error;
    }
  } else {
    if (config.production) throw new Error("the gateway needs DATABASE_URL in production (rate limits)");
    logger.warn("no database for the gateway: rate limits are counted per process (development only)");
    limiter = new RateLimiterMemory(limits);
  }

  return {
    async consume(viewer, clientAddress) {
      try {
        await limiter.consume(keyOf(viewer, clientAddress), 1);
        return { allowed: true };
      } catch (outcome) {
        // rate-limiter-flexible rejects with a RateLimiterRes when the limit is reached, with an Error when the
        // store fails: the first is the caller's answer, the second is ours (fail closed, the subgraphs need
        // the same database anyway).
        if (outcome instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)) };
        }
        logger.error({ err: outcome }, "rate-limit store unavailable");
        throw new ServiceUnavailableError(
          "Rate limiting is unavailable, try again shortly",
          "RATE_LIMIT_STORE",
        );
      }
    },
    async close() {
      await pool?.end();
    },
  };
}

/**
 * Keys are hashes: a subject may be an e-mail address and a client address is personal data too, and neither
 * needs to be readable in the table.
 */
function keyOf(viewer: Viewer | null, clientAddress: string | undefined): string {
  const who = viewer ? `sub:${viewer.subject}` : `ip:${clientAddress ?? "unknown"}`;
  return createHash("sha256").update(who).digest("base64url");
}

function postgresLimiter(pool: pg.Pool, limits: { points: number; duration: number }): RateLimiterPostgres {
  // The table comes from the migration (tableCreated): the library creates nothing and is usable at once.
  return new RateLimiterPostgres({
    storeClient: pool,
    storeType: "pool",
    schemaName: SCHEMA,
    tableName: TABLE,
    tableCreated: true,
    keyPrefix: "rl",
    ...limits,
  });
}
