import { type DatabaseHandle, openDatabase } from "../db/database.js";
import { applyMigrations } from "../db/migrate.js";
import { MIGRATION_SET_NAMES } from "../db/migrations/index.js";
import { startGateway } from "../gateway/gateway-service.js";
import { type Config, SUBGRAPH_NAMES, type SubgraphName } from "../shared/config.js";
import { createKeyring } from "../shared/keyring/create-keyring.js";
import type { Keyring } from "../shared/keyring/keyring.js";
import type { Logger } from "../shared/logger.js";
import {
  type RunningService,
  type SubgraphModule,
  startSubgraph,
} from "../shared/service/subgraph-service.js";
import { analyticsSubgraph } from "../subgraphs/analytics/index.js";
import { credentialSubgraph } from "../subgraphs/credential/index.js";
import { identitySubgraph } from "../subgraphs/identity/index.js";
import { ledgerSubgraph } from "../subgraphs/ledger/index.js";

/** The only place that knows every subgraph: the CLI wires them; nothing else imports them together. */
export const SUBGRAPHS: Record<SubgraphName, SubgraphModule> = {
  identity: identitySubgraph,
  credential: credentialSubgraph,
  ledger: ledgerSubgraph,
  analytics: analyticsSubgraph,
};

export interface Stack {
  database: DatabaseHandle;
  services: RunningService[];
  /** Gateway first (stop taking traffic), then subgraphs, then the database. */
  stop(): Promise<void>;
  gatewayUrl?: string;
  urls: Partial<Record<SubgraphName | "gateway", string>>;
}

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** Use this database instead of config's (tests). */
  databaseUrl?: string;
  /** Use port 0 (any free port) for every service (tests). */
  randomPorts?: boolean;
  /**
   * Benchmarks only: no token verification, no signed subgraph context, no permissions, to measure what they
   * cost. Never set by the CLI; refused in production.
   */
  unprotected?: boolean;
}

/** Everything in one process: database (embedded when DATABASE_URL is unset), migrations, four subgraphs, gateway. */
export async function startStack(options: StartOptions): Promise<Stack> {
  const { config, logger } = options;
  const started = Date.now();
  const database: DatabaseHandle = options.databaseUrl
    ? { url: options.databaseUrl, embedded: false, stop: async () => {} }
    : await openDatabase(config, logger);
  const services: RunningService[] = [];
  let keyring: Keyring | undefined;
  let stopping: Promise<void> | undefined;
  // Idempotent: a second stop (a signal during shutdown, a caller's finally) waits for the first.
  const stop = () => {
    stopping ??= (async () => {
      for (const service of [...services].reverse()) {
        await service
          .stop()
          .catch((err) => logger.error({ err, service: service.name }, "error while stopping"));
      }
      await keyring?.close();
      await database.stop();
    })();
    return stopping;
  };
  try {
    await applyMigrations(database.url, MIGRATION_SET_NAMES, logger);
    keyring = await createKeyring(config, { databaseUrl: database.url, logger });
    const urls: Stack["urls"] = {};
    for (const name of SUBGRAPH_NAMES) {
      const service = await startSubgraph(SUBGRAPHS[name], {
        config,
        logger,
        databaseUrl: database.url,
        port: options.randomPorts ? 0 : config.ports[name],
        keyring,
        unprotected: options.unprotected,
      });
      services.push(service);
      urls[name] = service.url;
    }
    const gateway = await startGateway({
      config,
      logger,
      port: options.randomPorts ? 0 : config.ports.gateway,
      subgraphs: SUBGRAPH_NAMES.map((name) => ({ name, url: urls[name]! })),
      // Rate-limit counters live in the stack's database, shared by every gateway instance.
      databaseUrl: database.url,
      unprotected: options.unprotected,
    });
    services.push(gateway);
    urls.gateway = gateway.url;
    logger.info({ ms: Date.now() - started, gateway: gateway.url }, "TrustID ready");
    return { database, services, stop, gatewayUrl: gateway.url, urls };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One service, for containers: it migrates its own sets (under the cluster-wide lock) and serves. */
export async function startOne(
  options: StartOptions & { service: SubgraphName | "gateway" },
): Promise<Stack> {
  const { config, logger, service } = options;
  if (service === "gateway") {
    const gateway = await startGateway({
      config,
      logger,
      port: config.ports.gateway,
      subgraphs: SUBGRAPH_NAMES.map((name) => ({ name, url: config.subgraphUrls[name] })),
      // The gateway has no schema of its own and migrates nothing: it only needs the database for its
      // rate-limit counters (required in production; without it, development counts in memory).
      databaseUrl: options.databaseUrl ?? config.database.url,
    });
    return {
      database: { url: "", embedded: false, stop: async () => {} },
      services: [gateway],
      stop: () => gateway.stop(),
      gatewayUrl: gateway.url,
      urls: { gateway: gateway.url },
    };
  }
  const module = SUBGRAPHS[service];
  const database = options.databaseUrl
    ? { url: options.databaseUrl, embedded: false, stop: async () => {} }
    : await openDatabase(config, logger);
  let keyring: Keyring | undefined;
  try {
    await applyMigrations(database.url, module.migrationSets, logger);
    keyring = await createKeyring(config, { databaseUrl: database.url, logger });
    const running = await startSubgraph(module, {
      config,
      logger,
      databaseUrl: database.url,
      port: config.ports[service],
      keyring,
    });
    return {
      database,
      services: [running],
      stop: async () => {
        await running.stop();
        await keyring?.close();
        await database.stop();
      },
      urls: { [service]: running.url },
    };
  } catch (error) {
    await keyring?.close();
    await database.stop();
    throw error;
  }
}
