import type { PermissionMap } from "../../shared/security/permissions.js";
import { fields, hasRole, isAuthenticated, personalData } from "../../shared/security/rules.js";

/**
 * Who may see what in the identity subgraph (API.md's roles). Every field of every type has a rule here; a
 * test fails on any field without one. Personal data is admin's, and support's one person at a time: through
 * `user`, `userByExternalRef`, `userByEmail` or the gateway resolving one user, never through `users`.
 */
const staff = hasRole("admin", "support");
const ingest = hasRole("admin", "ingestor");
/** An id and a status are not personal: auditors see the holders of the credentials they audit. */
const userReference = hasRole("admin", "support", "ingestor", "auditor");
const userRecord = hasRole("admin", "support", "ingestor");
const personal = personalData(["user", "userByExternalRef", "userByEmail"]);

export const identityPermissions: PermissionMap = {
  Query: {
    user: staff,
    userByExternalRef: staff,
    userByEmail: staff,
    users: staff,
  },
  Mutation: {
    ingestVerifiedUsers: ingest,
    eraseUser: hasRole("admin"),
  },
  User: {
    ...fields(["id", "status"], userReference),
    ...fields(["externalRef", "verifiedAt", "createdAt", "updatedAt"], userRecord),
    ...fields(["firstName", "lastName", "email", "phoneNumber", "dateOfBirth"], personal),
  },
  UserConnection: fields(["edges", "pageInfo"], staff),
  UserEdge: fields(["cursor", "node"], staff),
  // Shared by every connection; the connection's own root field decides who gets one.
  PageInfo: fields(["hasNextPage", "endCursor"], isAuthenticated),
  // The ingestor's report: ids, statuses, externalRef and codes, never personal data (User's own rules apply).
  UserIngestReport: fields(
    ["batchId", "received", "created", "updated", "unchanged", "rejected", "replayed", "results"],
    ingest,
  ),
  UserIngestResult: fields(["index", "externalRef", "status", "user", "errors"], ingest),
  FieldError: fields(["field", "code", "message"], ingest),
};
