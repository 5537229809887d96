import type { PermissionMap } from "../../shared/security/permissions.js";
import { fields, hasRole, isAuthenticated } from "../../shared/security/rules.js";

/**
 * Who may see what in the ledger subgraph (API.md's roles): the ledger and the revocation feed are the
 * auditor's (and admin's); a verifier may resolve DIDs. Every field of every type has a rule here; a test
 * fails on any field without one.
 */
const audit = hasRole("admin", "auditor");

export const ledgerPermissions: PermissionMap = {
  Query: {
    ledgerStatus: audit,
    ledgerTransactions: audit,
    resolveDid: hasRole("admin", "auditor", "verifier"),
  },
  Subscription: { credentialRevoked: audit },
  LedgerStatus: fields(["driver", "height", "lastHash"], audit),
  LedgerTransaction: fields(["seqNo", "type", "author", "txnTime", "hash", "data"], audit),
  LedgerTransactionConnection: fields(["edges", "pageInfo"], audit),
  LedgerTransactionEdge: fields(["cursor", "node"], audit),
  PageInfo: fields(["hasNextPage", "endCursor"], isAuthenticated),
  RevocationEvent: fields(["cursor", "credential", "revokedAt", "reason", "ledgerSeqNo"], audit),
  // The credential subgraph's Credential as a reference from the feed (its key only): the same readers as
  // the credential subgraph's own Credential.id, the feed itself being the auditor's.
  Credential: { id: hasRole("admin", "support", "auditor", "ingestor", "verifier") },
};
