import type { IncomingMessage, Server } from "node:http";
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import type { EntityClass } from "@mikro-orm/core";
import type { GraphQLFormattedError, GraphQLSchema } from "graphql";
import { pendingMigrations } from "../../db/migrate.js";
import type { MigrationSetName } from "../../db/migrations/index.js";
import { createOrm, type Orm } from "../../db/orm.js";
import {
  createGatewayContextVerifier,
  GatewayContextError,
  gatewaySigningSecret,
} from "../auth/gateway-context.js";
import type { Config, SubgraphName } from "../config.js";
import { RequestContext, type Viewer } from "../context.js";
import { KEK_KEY_NAME } from "../crypto/key-names.js";
import { AuditEventEntity } from "../events/audit-event.entity.js";
import type { Keyring } from "../keyring/keyring.js";
import type { Logger } from "../logger.js";
import { applyPermissions, fieldsWithoutRule, type PermissionMap } from "../security/permissions.js";
import { formatError } from "./format-error.js";
import {
  closeGracefully,
  createServiceHttpServer,
  json,
  listen,
  PayloadTooLargeError,
  readBody,
} from "./http-server.js";
import { createServiceMetrics, type ServiceMetrics } from "./metrics.js";

/** What a subgraph contributes; the runtime below turns it into a served, observable service. */
export interface SubgraphModule {
  name: SubgraphName;
  entities: EntityClass<unknown>[];
  /** The migration sets whose tables this subgraph reads or writes (its own schema, audit, ...). */
  migrationSets: MigrationSetName[];
  buildSchema(deps: SubgraphDeps): Promise<GraphQLSchema>;
  /** graphql-shield rules for every field of the schema (deny by default), from `subgraphs/<name>/permissions.ts`. */
  permissions: PermissionMap;
}

export interface SubgraphDeps {
  config: Config;
  orm: Orm;
  logger: Logger;
  /** The process's keyring (one per process, shared by the subgraphs it runs). */
  keyring: Keyring;
  /** The service's Prometheus registry, for the subgraph's own metrics (served on /metrics). */
  metrics?: ServiceMetrics;
  /** The database the ORM is connected to (for what opens its own connections, such as worker threads). */
  databaseUrl: string;
  /**
   * Registers a clean-up run at stop, after requests have drained and before the ORM closes. With `duringDrain`
   * it starts with the drain instead, for what in-flight requests wait on and must wind down within the same
   * grace period (ingest threads), rather than after it.
   */
  onStop(cleanup: () => Promise<void>, options?: { duringDrain?: boolean }): void;
}

/**
 * Establishes who is calling from the raw request and body; throws (→ 401) when the request is not acceptable
 * at all. Subgraphs use the gateway's signed context (`shared/auth/gateway-context.ts`).
 */
export type Authenticate = (req: IncomingMessage, body: string) => Promise<Viewer | null>;

export interface RunningService {
  name: string;
  port: number;
  url: string;
  server: Server;
  orm?: Orm;
  stop(): Promise<void>;
}

export interface StartSubgraphOptions {
  config: Config;
  logger: Logger;
  databaseUrl: string;
  port: number;
  /**
   * Benchmarks only (the cost of authorization is measured against it): no gateway context is required and
   * no permissions apply. Not reachable from configuration, and refused in production.
   */
  unprotected?: boolean;
  keyring: Keyring;
}

export async function startSubgraph(
  module: SubgraphModule,
  options: StartSubgraphOptions,
): Promise<RunningService> {
  const { config } = options;
  if (options.unprotected && config.production)
    throw new Error("an unprotected subgraph is refused in production");
  const logger = options.logger.child({ service: module.name });
  const orm = await createOrm({
    url: options.databaseUrl,
    entities: [...module.entities, AuditEventEntity],
    poolMax: config.database.poolMax,
    logger,
    debug: config.database.debug,
    applicationName: `trustid-${module.name}`,
  });
  const metrics = createServiceMetrics(module.name);
  const cleanups: Array<() => Promise<void>> = [];
  const drains: Array<() => Promise<void>> = [];
  const built = await module.buildSchema({
    config,
    orm,
    logger,
    keyring: options.keyring,
    metrics,
    databaseUrl: options.databaseUrl,
    onStop: (cleanup, options) => (options?.duringDrain ? drains : cleanups).push(cleanup),
  });
  const unruled = fieldsWithoutRule(built, module.permissions);
  if (unruled.length > 0)
    logger.warn({ fields: unruled }, "fields without a permission rule are denied to everyone");
  const schema = options.unprotected ? built : applyPermissions(built, module.permissions);
  const authenticate: Authenticate = options.unprotected
    ? async () => null
    : createGatewayContextVerifier(gatewaySigningSecret(config), module.name);

  const errorCounter: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const e of errors)
            metrics.graphqlErrors.inc({ code: String(e.extensions?.code ?? "INTERNAL") });
        },
      };
    },
  };
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // The process owns shutdown order (gateway, subgraphs, pools, database); Apollo re-raising the signal would cut it short.
    stopOnTerminationSignals: false,
    formatError: (formatted: GraphQLFormattedError, error: unknown) => formatError(formatted, error, logger),
    plugins: [errorCounter, ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();

  const connection = orm.em.getConnection();
  const server = createServiceHttpServer({
    name: module.name,
    logger,
    metrics,
    readiness: {
      database: async () => {
        await connection.execute("select 1");
      },
      keyring: async () => {
        // The key-encryption key must answer: without it no personal field can be sealed or opened.
        await options.keyring.keyInfo(KEK_KEY_NAME).catch((error: { reason?: string }) => {
          if (error.reason !== "KEY_NOT_FOUND") throw new Error(error.reason ?? "keyring unavailable");
        });
      },
      migrations: async () => {
        const pending = await pendingMigrations((sql) => connection.execute(sql), module.migrationSets);
        if (pending.length > 0) throw new Error(`${pending.length} pending migration(s)`);
      },
    },
    handler: async (req, res, requestId) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path !== "/graphql") return json(res, 404, { error: "not found" });
      let raw = "";
      try {
        raw = req.method === "POST" ? await readBody(req, config.maxBodyBytes) : "";
      } catch (error) {
        if (error instanceof PayloadTooLargeError) {
          return json(res, 413, {
            errors: [{ message: error.message, extensions: { code: "BAD_USER_INPUT" } }],
          });
        }
        throw error;
      }
      let viewer: Viewer | null;
      try {
        viewer = await authenticate(req, raw);
      } catch (error) {
        const reason = error instanceof GatewayContextError ? error.reason : "error";
        logger.warn({ requestId, reason }, "request refused: no valid gateway context");
        return json(res, 401, {
          errors: [
            {
              message: "This service accepts only requests from the gateway",
              extensions: { code: "UNAUTHENTICATED" },
            },
          ],
        });
      }
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        return json(res, 400, {
          errors: [{ message: "Body is not valid JSON", extensions: { code: "BAD_USER_INPUT" } }],
        });
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method ?? "GET",
          headers,
          search: new URL(req.url ?? "/", "http://x").search,
          body,
        },
        context: async () =>
          new RequestContext(requestId, viewer, orm.em.fork(), logger.child({ requestId })),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === "complete") return void res.end(response.body.string);
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    },
  });
  const port = await listen(server, options.port, config.host);
  logger.info({ port }, "subgraph listening");
  return {
    name: module.name,
    port,
    url: `http://${config.host}:${port}/graphql`,
    server,
    orm,
    stop: async () => {
      const draining = drains.map((drain) =>
        drain().catch((err) => logger.error({ err }, "error while stopping")),
      );
      await closeGracefully(server, config.shutdownGraceMs);
      await Promise.all(draining);
      await apollo.stop();
      for (const cleanup of cleanups.reverse()) {
        await cleanup().catch((err) => logger.error({ err }, "error while stopping"));
      }
      await orm.close();
    },
  };
}
