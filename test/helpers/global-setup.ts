import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../db/embedded-postgres.js";
import { createLogger } from "../../shared/logger.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL server URL (maintenance database); each test file creates and drops its own database. */
    postgresAdminUrl: string;
    postgresKind: "external" | "embedded";
  }
}

/**
 * With DATABASE_URL (CI, this machine): that server. Without it (a newcomer's fresh machine): a real embedded
 * PostgreSQL started for the run in a temporary directory and removed afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url) {
    project.provide("postgresAdminUrl", url);
    project.provide("postgresKind", "external");
    return async () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), "trustid-test-pg-"));
  const port = 55_000 + Math.floor(Math.random() * 5000);
  const server = await startEmbeddedPostgres(dir, port, createLogger({ level: "warn" }));
  process.stdout.write(`[test] DATABASE_URL unset: using embedded PostgreSQL on port ${port}\n`);
  project.provide("postgresAdminUrl", server.adminUrl);
  project.provide("postgresKind", "embedded");
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
