import { ROLES, type Role } from "../../../shared/context.js";

/**
 * API.md's roles, written out field by field: the specification the permission maps are tested against (by
 * evaluating their rules here, and through the running stack in test/e2e/security.test.ts). A field a
 * permission map names needs a line here; the tests fail until it has one.
 */

/** A role, or a caller with no token at all. */
export type Caller = Role | "anonymous";
export const CALLERS: Caller[] = [...ROLES, "anonymous"];
const ALL: readonly Role[] = ROLES;
const STAFF: readonly Role[] = ["admin", "support"];
const INGEST: readonly Role[] = ["admin", "ingestor"];
const AUDIT: readonly Role[] = ["admin", "auditor"];
const ANALYSTS: readonly Role[] = ["admin", "analyst"];
const VERIFY: readonly Role[] = ["admin", "verifier"];
const ADMIN: readonly Role[] = ["admin"];
const USER_REFERENCE: readonly Role[] = ["admin", "support", "ingestor", "auditor"];
const USER_RECORD: readonly Role[] = ["admin", "support", "ingestor"];
const CREDENTIAL_METADATA: readonly Role[] = ["admin", "support", "auditor", "ingestor", "verifier"];

function each(type: string, fields: string[], roles: readonly Role[]): Record<string, readonly Role[]> {
  return Object.fromEntries(fields.map((f) => [`${type}.${f}`, roles]));
}

/** Who may read each field (`Type.field`), wherever a subgraph serves it. The specification, not the code. */
export const EXPECTED: Record<string, readonly Role[]> = {
  // identity
  "Query.user": STAFF,
  "Query.userByExternalRef": STAFF,
  "Query.userByEmail": STAFF,
  "Query.users": STAFF,
  "Mutation.ingestVerifiedUsers": INGEST,
  "Mutation.eraseUser": ADMIN,
  ...each("User", ["id", "status"], USER_REFERENCE),
  ...each("User", ["externalRef", "verifiedAt", "createdAt", "updatedAt"], USER_RECORD),
  ...each("User", ["firstName", "lastName", "email", "phoneNumber", "dateOfBirth"], STAFF),
  ...each("UserConnection", ["edges", "pageInfo"], STAFF),
  ...each("UserEdge", ["cursor", "node"], STAFF),
  ...each("PageInfo", ["hasNextPage", "endCursor"], ALL),
  ...each(
    "UserIngestReport",
    ["batchId", "received", "created", "updated", "unchanged", "rejected", "replayed", "results"],
    INGEST,
  ),
  ...each("UserIngestResult", ["index", "externalRef", "status", "user", "errors"], INGEST),
  ...each("FieldError", ["field", "code", "message"], INGEST),
  // credential
  "Query.credential": ["admin", "support", "auditor"],
  "Query.credentialSchemas": ALL,
  "Mutation.ingestVerifiedCredentials": INGEST,
  "Mutation.revokeCredential": ADMIN,
  "Mutation.revokeCredentials": ADMIN,
  "Mutation.verifyPresentation": VERIFY,
  ...each("CredentialSchema", ["id", "name", "version", "attributes", "ledgerId"], ALL),
  ...each(
    "Credential",
    ["id", "schema", "format", "status", "issuedAt", "expiresAt", "revokedAt", "revocationReason"],
    CREDENTIAL_METADATA,
  ),
  "Credential.holder": USER_REFERENCE,
  "Credential.claims": STAFF,
  "User.credentials": ["admin", "support", "auditor"],
  ...each("VerificationResult", ["valid", "status", "reasons", "credential"], VERIFY),
  ...each(
    "CredentialIngestReport",
    ["batchId", "received", "issued", "rejected", "replayed", "results"],
    INGEST,
  ),
  ...each("IssuedCredential", ["index", "status", "credential", "encoded", "errors"], INGEST),
  // ledger
  "Query.ledgerStatus": AUDIT,
  "Query.ledgerTransactions": AUDIT,
  "Query.resolveDid": ["admin", "auditor", "verifier"],
  "Subscription.credentialRevoked": AUDIT,
  ...each("LedgerStatus", ["driver", "height", "lastHash"], AUDIT),
  ...each("LedgerTransaction", ["seqNo", "type", "author", "txnTime", "hash", "data"], AUDIT),
  ...each("LedgerTransactionConnection", ["edges", "pageInfo"], AUDIT),
  ...each("LedgerTransactionEdge", ["cursor", "node"], AUDIT),
  ...each("RevocationEvent", ["cursor", "credential", "revokedAt", "reason", "ledgerSeqNo"], AUDIT),
  // analytics
  "Query.analytics": ANALYSTS,
  ...each("Analytics", ["k", "series"], ANALYSTS),
  ...each("AnalyticsCell", ["bucket", "dimension", "count", "suppressed"], ANALYSTS),
};

/** Whether `caller` may read a field reached through `coordinates` (every rule on the way must allow it). */
export function mayRead(caller: Caller, coordinates: readonly string[]): boolean {
  return caller !== "anonymous" && coordinates.every((c) => EXPECTED[c]?.includes(caller) ?? false);
}
