import type { EntityClass } from "@mikro-orm/core";
import type { MigrationSetName } from "../db/migrations/index.js";
import { AuditEventEntity } from "../shared/events/audit-event.entity.js";
import { KEYRING_ENTITIES } from "../shared/keyring/entities/index.js";
import { RollupEntity } from "../subgraphs/analytics/entities/rollup.entity.js";
import { CredentialEntity } from "../subgraphs/credential/entities/credential.entity.js";
import { CredentialSchemaEntity } from "../subgraphs/credential/entities/credential-schema.entity.js";
import { IngestBatchEntity } from "../subgraphs/identity/entities/ingest-batch.entity.js";
import { UserEntity } from "../subgraphs/identity/entities/user.entity.js";
import { LedgerTransactionEntity } from "../subgraphs/ledger/entities/ledger-transaction.entity.js";

/** Which entities each migration set (PostgreSQL schema) owns: the generator diffs exactly these. */
export const ENTITIES_BY_SET: Record<MigrationSetName, EntityClass<unknown>[]> = {
  audit: [AuditEventEntity],
  keyring: KEYRING_ENTITIES,
  identity: [UserEntity, IngestBatchEntity],
  credential: [CredentialSchemaEntity, CredentialEntity],
  ledger: [LedgerTransactionEntity],
  analytics: [RollupEntity],
  gateway: [],
};
