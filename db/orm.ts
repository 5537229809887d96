import "reflect-metadata";
import { type EntityClass, type LoggerNamespace, MikroORM, ReflectMetadataProvider } from "@mikro-orm/core";
import { PostgreSqlDriver } from "@mikro-orm/postgresql";
import type { Logger } from "../shared/logger.js";

export type Orm = MikroORM<PostgreSqlDriver>;

export interface OrmOptions {
  url: string;
  entities: EntityClass<unknown>[];
  poolMax: number;
  logger: Logger;
  /** Log every SQL statement (at debug level). */
  debug?: boolean;
  /** application_name, so pg_stat_activity shows which service holds a connection. */
  applicationName: string;
}

/**
 * One MikroORM per service: it sees only the entities of that service's schema (plus the shared audit log),
 * which is how "a subgraph writes only its own schema" is kept by construction rather than by review.
 */
export async function createOrm(options: OrmOptions): Promise<Orm> {
  const log = options.logger.child({ component: "orm" });
  return MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: options.url,
    entities: options.entities,
    metadataProvider: ReflectMetadataProvider,
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: options.poolMax },
    driverOptions: { connection: { application_name: options.applicationName } },
    // A request forks its own EntityManager; touching the global one is a bug, so make it loud.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureDatabase: false,
    debug: options.debug ? ["query", "query-params"] : false,
    loggerFactory: (opts) => ({
      log: (namespace: LoggerNamespace, message: string) => log.debug({ namespace }, message),
      error: (namespace: LoggerNamespace, message: string) => log.error({ namespace }, message),
      warn: (namespace: LoggerNamespace, message: string) => log.warn({ namespace }, message),
      logQuery: (context) => log.debug({ namespace: "query", took: context.took }, context.query),
      setDebugMode: () => {},
      isEnabled: (namespace: LoggerNamespace) =>
        opts.debugMode === true || (Array.isArray(opts.debugMode) && opts.debugMode.includes(namespace)),
    }),
  });
}
