#!/usr/bin/env node
import "reflect-metadata";
import { parseArgs } from "node:util";
import { openDatabase } from "../db/database.js";
import { applyMigrations } from "../db/migrate.js";
import { MIGRATION_SET_NAMES } from "../db/migrations/index.js";
import { ConfigError, loadConfig, SERVICE_NAMES, type ServiceName } from "../shared/config.js";
import { createLogger, type Logger } from "../shared/logger.js";
import { runBenchmarks } from "./bench/index.js";
import { createMigration } from "./commands/migration-create.js";
import { writeSupergraph } from "./commands/supergraph.js";
import { createDevToken } from "./commands/token.js";
import { type Stack, startOne, startStack } from "./stack.js";

const USAGE = `Usage: npm run trustid -- <command> [options]

Commands:
  start                         everything in one process (gateway + four subgraphs), for development
  serve <service>               one service: ${SERVICE_NAMES.join(" | ")}
  migrate                       apply pending migrations (a second run is a no-op)
  migration:create <set> [name] generate the next migration of a schema from its entities (development)
  supergraph [--check]          write supergraph.graphql, or check that it is up to date
  token --role <role> [--role <role>] [--sub <id>] [--ttl 1h]
                                print a development token that the dev stack accepts
  bench [--only <name>]         run the benchmarks and print one table
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });

  switch (command) {
    case "start":
      return serveUntilSignal(await startStack({ config, logger }), logger);
    case "serve": {
      const service = rest[0] as ServiceName | undefined;
      if (!service || !SERVICE_NAMES.includes(service)) {
        process.stderr.write(`serve needs a service: ${SERVICE_NAMES.join(", ")}\n`);
        return 2;
      }
      return serveUntilSignal(await startOne({ config, logger, service }), logger);
    }
    case "migrate": {
      const db = await openDatabase(config, logger);
      try {
        const results = await applyMigrations(db.url, MIGRATION_SET_NAMES, logger);
        const applied = results.flatMap((r) => r.applied.map((name) => `${r.set}/${name}`));
        process.stdout.write(
          applied.length ? `applied:\n  ${applied.join("\n  ")}\n` : "database is up to date\n",
        );
      } finally {
        await db.stop();
      }
      return 0;
    }
    case "migration:create":
      if (!rest[0]) {
        process.stderr.write(`migration:create needs a set: ${MIGRATION_SET_NAMES.join(", ")}\n`);
        return 2;
      }
      await createMigration(config, logger, rest[0], rest[1]);
      return 0;
    case "supergraph": {
      const check = rest.includes("--check");
      const ok = await writeSupergraph(check);
      process.stdout.write(
        check
          ? ok
            ? "supergraph.graphql is up to date\n"
            : "supergraph.graphql is stale: run `npm run trustid -- supergraph`\n"
          : "supergraph.graphql written\n",
      );
      return ok ? 0 : 1;
    }
    case "token": {
      const { values } = parseArgs({
        args: rest,
        options: {
          role: { type: "string", multiple: true },
          sub: { type: "string" },
          ttl: { type: "string" },
        },
      });
      const token = await createDevToken(config, {
        roles: values.role ?? [],
        sub: values.sub,
        ttl: values.ttl,
      });
      process.stdout.write(`${token}\n`);
      return 0;
    }
    case "bench": {
      const { values } = parseArgs({ args: rest, options: { only: { type: "string", multiple: true } } });
      return runBenchmarks(config, logger, values.only ?? []);
    }
    default:
      process.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

/** Runs until SIGTERM/SIGINT, then drains: in-flight requests finish, pools close, embedded PostgreSQL stops. */
function serveUntilSignal(stack: Stack, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down");
      stack.stop().then(
        () => resolve(0),
        (err) => {
          logger.error({ err }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (code === 0 || code === 1) setTimeout(() => process.exit(code), 200).unref();
  },
  (error) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else
      process.stderr.write(
        `trustid: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    process.exit(1);
  },
);
