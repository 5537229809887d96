#!/usr/bin/env node
import "reflect-metadata";
import { parseArgs } from "node:util";
import pg from "pg";
import { pino } from "pino";
import { openDatabase } from "../db/database.js";
import { applyMigrations } from "../db/migrate.js";
import { MIGRATION_SET_NAMES } from "../db/migrations/index.js";
import { ConfigError, loadConfig, SERVICE_NAMES, type ServiceName } from "../shared/config.js";
import { verifyAuditChain } from "../shared/events/audit-log.js";
import { createLogger, type Logger } from "../shared/logger.js";
import { runBenchmarks } from "./bench/index.js";
import { openIdentityRuntime } from "./commands/identity-runtime.js";
import { ingestFile } from "./commands/ingest-file.js";
import { rotateKeys } from "./commands/keys-rotate.js";
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
  ingest <file.ndjson | -> [--batch 1000] [--concurrency <threads>] [--report <path>] [--run-id <id>]
                                bulk backfill of verified users through the ingestion pipeline (resumable)
  keys rotate [--batch 500] [--retire]
                                rotate the key-encryption key and rewrap every data key (resumable)
  audit verify                  check the audit trail's hash chain from its first line
  bench [--only <name>]         run the benchmarks and print one table
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  // Servers log to stdout (a container's log stream); one-shot commands keep stdout for their output.
  const serving = command === "start" || command === "serve";
  const logger = createLogger({
    level: config.logLevel,
    destination: serving ? undefined : pino.destination({ fd: 2, sync: true }),
  });

  switch (command) {
    case "start":
      return serveUntilSignal(() => startStack({ config, logger }), logger);
    case "serve": {
      const service = rest[0] as ServiceName | undefined;
      if (!service || !SERVICE_NAMES.includes(service)) {
        process.stderr.write(`serve needs a service: ${SERVICE_NAMES.join(", ")}\n`);
        return 2;
      }
      return serveUntilSignal(() => startOne({ config, logger, service }), logger);
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
    case "ingest": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          batch: { type: "string", default: "1000" },
          report: { type: "string" },
          "run-id": { type: "string" },
          concurrency: { type: "string" },
          "no-progress": { type: "boolean", default: false },
        },
      });
      const source = positionals[0];
      if (!source) {
        process.stderr.write(
          "ingest needs a file (NDJSON, one VerifiedUserInput per line) or - for standard input\n",
        );
        return 2;
      }
      const batchSize = Number(values.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > config.ingest.maxBatch) {
        process.stderr.write(`--batch must be between 1 and ${config.ingest.maxBatch}\n`);
        return 2;
      }
      // One batch in flight per ingest thread keeps every thread busy.
      const concurrency = Number(values.concurrency ?? Math.max(1, config.ingest.workers));
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        process.stderr.write("--concurrency must be between 1 and 64\n");
        return 2;
      }
      const identity = await openIdentityRuntime(config, logger);
      try {
        const summary = await ingestFile(config, logger, identity.runtime, {
          source,
          batchSize,
          concurrency,
          reportPath: values.report,
          runId: values["run-id"],
          progress: !values["no-progress"],
        });
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return 0;
      } finally {
        await identity.close();
      }
    }
    case "keys": {
      if (rest[0] !== "rotate") {
        process.stderr.write("usage: keys rotate [--batch 500] [--retire]\n");
        return 2;
      }
      const { values } = parseArgs({
        args: rest.slice(1),
        options: { batch: { type: "string", default: "500" }, retire: { type: "boolean", default: false } },
      });
      const report = await rotateKeys(config, logger, {
        batchSize: Number(values.batch),
        retireOld: values.retire,
        progress: process.stderr.isTTY,
      });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    case "audit": {
      if (rest[0] !== "verify") {
        process.stderr.write("usage: audit verify\n");
        return 2;
      }
      const db = await openDatabase(config, logger);
      const client = new pg.Client({ connectionString: db.url });
      try {
        await client.connect();
        const report = await verifyAuditChain(async (sql) => (await client.query(sql)).rows);
        process.stdout.write(
          report.ok
            ? `audit chain intact: ${report.checked} events verified\n`
            : `audit chain BROKEN at seq ${report.brokenAtSeq} (after ${report.checked} intact events)\n`,
        );
        return report.ok ? 0 : 1;
      } finally {
        await client.end();
        await db.stop();
      }
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

/**
 * Runs until SIGTERM/SIGINT, then drains: in-flight requests finish, pools close, embedded PostgreSQL stops.
 * The handlers are in place before anything starts, so a signal during start-up stops cleanly once the start
 * has finished rather than killing the process with a half-started embedded PostgreSQL.
 */
async function serveUntilSignal(start: () => Promise<Stack>, logger: Logger): Promise<number> {
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    signalled = resolve;
  });
  process.once("SIGTERM", signalled);
  process.once("SIGINT", signalled);
  const stack = await start();
  const received = await signal;
  logger.info({ signal: received }, "shutting down");
  try {
    await stack.stop();
    logger.info("stopped");
    return 0;
  } catch (err) {
    logger.error({ err }, "shutdown failed");
    return 1;
  }
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
