import type { PermissionMap } from "../../shared/security/permissions.js";
import { fields, hasRole, isAuthenticated, personalData } from "../../shared/security/rules.js";

/**
 * Who may see what in the credential subgraph (API.md's roles). Every field of every type has a rule here; a
 * test fails on any field without one. Claims are personal data: admin's, and support's one person at a time
 * (`credential(id)`, or the gateway resolving one user's credentials).
 */
const admin = hasRole("admin");
const ingest = hasRole("admin", "ingestor");
const verify = hasRole("admin", "verifier");
/** A credential's status and metadata: everyone who handles credentials, none of it personal. */
const credentialMetadata = hasRole("admin", "support", "auditor", "ingestor", "verifier");
/** Which user holds it: a verifier checks a presentation, it does not learn TrustID's user ids. */
const holderReference = hasRole("admin", "support", "auditor", "ingestor");

export const credentialPermissions: PermissionMap = {
  Query: {
    credential: hasRole("admin", "support", "auditor"),
    // The schemas an issuer offers are not personal: every authenticated caller may list them.
    credentialSchemas: isAuthenticated,
  },
  Mutation: {
    ingestVerifiedCredentials: ingest,
    revokeCredential: admin,
    revokeCredentials: admin,
    verifyPresentation: verify,
  },
  CredentialSchema: fields(["id", "name", "version", "attributes", "ledgerId"], isAuthenticated),
  Credential: {
    ...fields(
      ["id", "schema", "format", "status", "issuedAt", "expiresAt", "revokedAt", "revocationReason"],
      credentialMetadata,
    ),
    holder: holderReference,
    claims: personalData(["credential"]),
  },
  // identity's User as this subgraph extends it.
  User: {
    id: holderReference,
    credentials: hasRole("admin", "support", "auditor"),
  },
  VerificationResult: fields(["valid", "status", "reasons", "credential"], verify),
  CredentialIngestReport: fields(
    ["batchId", "received", "issued", "rejected", "replayed", "results"],
    ingest,
  ),
  // `encoded` is the issued credential itself, made from the attributes the backend just sent, for the
  // backend to hand to the holder's wallet: the ingestor's, unlike Credential.claims.
  IssuedCredential: fields(["index", "status", "credential", "encoded", "errors"], ingest),
  FieldError: fields(["field", "code", "message"], ingest),
};
