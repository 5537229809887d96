import type { CredentialEntity } from "./entities/credential.entity.js";
import type { CredentialSchemaEntity } from "./entities/credential-schema.entity.js";
import { Credential, CredentialSchema } from "./graphql/credential.types.js";

export function toCredential(entity: CredentialEntity): Credential {
  const c = new Credential();
  c.id = entity.id;
  c.holderId = entity.holderId;
  c.schemaId = entity.schema.id;
  c.format = entity.format;
  c.status = entity.status;
  c.issuedAt = entity.issuedAt;
  c.expiresAt = entity.expiresAt ?? null;
  c.revokedAt = entity.revokedAt ?? null;
  c.revocationReason = entity.revocationReason ?? null;
  return c;
}

export function toCredentialSchema(entity: CredentialSchemaEntity): CredentialSchema {
  const s = new CredentialSchema();
  s.id = entity.id;
  s.name = entity.name;
  s.version = entity.version;
  s.attributes = entity.attributes;
  s.ledgerId = entity.ledgerId;
  return s;
}
