import type { EntityManager } from "@mikro-orm/postgresql";
import type { RequestContext } from "../../shared/context.js";
import { BlindIndex } from "../../shared/crypto/blind-index.js";
import { FieldCipher } from "../../shared/crypto/field-cipher.js";
import { SubjectKeys } from "../../shared/crypto/subject-keys.js";
import type { AuditActor } from "../../shared/events/audit-log.js";
import type { Keyring } from "../../shared/keyring/keyring.js";
import { PERSONAL_COLUMNS, type PersonalColumn } from "./entities/user.entity.js";
import type { PersonalDataProtector, SealedValues, SealRequest } from "./personal-data.js";

/**
 * The envelope implementation: one data key per user (shared/crypto SubjectKeys), fields sealed locally and
 * bound to (identity.users, column, user id), blind indexes and record hashes from the keyring's HMAC key.
 */
export class EnvelopePersonalDataProtector implements PersonalDataProtector {
  private readonly cipher = new FieldCipher<PersonalColumn>("identity.users", PERSONAL_COLUMNS);
  private readonly keys: SubjectKeys;
  private readonly index: BlindIndex;

  constructor(keyring: Keyring) {
    this.keys = new SubjectKeys(keyring);
    this.index = new BlindIndex(keyring);
  }

  async seal(em: EntityManager, items: readonly SealRequest[]): Promise<SealedValues[]> {
    // New users get new keys without a look-up; existing users' keys are unwrapped (one keyring call each way).
    const [fresh, existing] = await Promise.all([
      this.keys.createForNew(
        em,
        items.filter((i) => i.isNew).map((i) => i.userId),
      ),
      this.keys.getOrCreate(
        em,
        items.filter((i) => !i.isNew).map((i) => i.userId),
      ),
    ]);
    const keys = new Map([...fresh, ...existing]);
    return this.cipher.sealAll(
      keys,
      items.map((i) => ({ subjectId: i.userId.toLowerCase(), values: i.values })),
    );
  }

  async open(
    ctx: RequestContext,
    userId: string,
    column: PersonalColumn,
    sealed: Buffer,
  ): Promise<string | null> {
    const key = await this.keys.unwrapLoader(ctx).load(userId);
    return this.cipher.open(key, { [column]: sealed } as Partial<Record<PersonalColumn, Buffer>>)[column];
  }

  emailIndexes(normalisedEmails: readonly string[]): Promise<string[]> {
    return this.index.compute("email", normalisedEmails);
  }

  async phoneIndexes(e164: readonly (string | null)[]): Promise<(string | null)[]> {
    const present = e164.filter((p): p is string => p !== null);
    const tokens = await this.index.compute("phone", present);
    let next = 0;
    return e164.map((p) => (p === null ? null : tokens[next++]!));
  }

  recordHashes(canonicalRecords: readonly string[]): Promise<string[]> {
    return this.index.compute("identity.user-record", canonicalRecords);
  }

  async shred(em: EntityManager, userIds: readonly string[], who: AuditActor): Promise<void> {
    await this.keys.destroy(em, userIds, who);
  }
}
