import type { MigrationObject } from "@mikro-orm/core";
import { migrations as analytics } from "./analytics/index.js";
import { migrations as audit } from "./audit/index.js";
import { migrations as credential } from "./credential/index.js";
import { migrations as gateway } from "./gateway/index.js";
import { migrations as identity } from "./identity/index.js";
import { migrations as keyring } from "./keyring/index.js";
import { migrations as ledger } from "./ledger/index.js";

/**
 * One migration set per PostgreSQL schema, each with its own history table (`<schema>.mikro_orm_migrations`).
 * The lists are explicit (no file globbing) so the same code runs from `dist/` and under vitest.
 * `trustid migration:create <set>` generates a migration from the entities and appends it here.
 */
export const MIGRATION_SETS = {
  audit,
  keyring,
  identity,
  credential,
  ledger,
  analytics,
  gateway,
} satisfies Record<string, MigrationObject[]>;

export type MigrationSetName = keyof typeof MIGRATION_SETS;
export const MIGRATION_SET_NAMES = Object.keys(MIGRATION_SETS) as MigrationSetName[];
