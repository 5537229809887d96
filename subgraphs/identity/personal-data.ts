import type { EntityManager } from "@mikro-orm/postgresql";
import type { RequestContext } from "../../shared/context.js";
import type { AuditActor } from "../../shared/events/audit-log.js";
import type { PersonalColumn } from "./entities/user.entity.js";

export type PersonalValues = Record<PersonalColumn, string | null>;
export type SealedValues = Record<PersonalColumn, Buffer | null>;

export interface SealRequest {
  userId: string;
  /** A new user gets a new data key; an existing one keeps its own. */
  isNew: boolean;
  values: PersonalValues;
}

/**
 * Everything the identity subgraph does with personal data, in batches: seal on the way in, open on the way
 * out, blind indexes for look-ups, keyed record hashes for change detection, shredding for erasure.
 */
export interface PersonalDataProtector {
  /** Ciphertexts in request order, bound to (identity.users, column, user id). */
  seal(em: EntityManager, items: readonly SealRequest[]): Promise<SealedValues[]>;
  /** Opens one field; the subject's data key comes through the request's loader (one keyring call per request). */
  open(ctx: RequestContext, userId: string, column: PersonalColumn, sealed: Buffer): Promise<string | null>;
  emailIndexes(normalisedEmails: readonly string[]): Promise<string[]>;
  phoneIndexes(e164: readonly (string | null)[]): Promise<(string | null)[]>;
  recordHashes(canonicalRecords: readonly string[]): Promise<string[]>;
  /** Crypto-shreds the users' data keys (audited) inside the caller's transaction. */
  shred(em: EntityManager, userIds: readonly string[], who: AuditActor): Promise<void>;
}
