import type { RequestContext } from "../../shared/context.js";
import { BadUserInputError, NotFoundError } from "../../shared/errors.js";
import { appendAuditEvents } from "../../shared/events/audit-log.js";
import { UserEntity, UserStatus } from "./entities/user.entity.js";
import type { PersonalDataProtector } from "./personal-data.js";

/** A reason is a code or ticket reference (it goes to the audit trail, which never holds free text). */
const REASON = /^[A-Za-z0-9_.:#/-]{1,64}$/;

/**
 * Erasure by crypto-shredding: the user's data key is destroyed, so every ciphertext of theirs (here and in
 * other subgraphs that used the same subject key) becomes unrecoverable while the record and the audit trail
 * stay. Blind indexes and the record hash go too: they would still let someone confirm a guessed value.
 */
export class UserErasureService {
  constructor(private readonly protector: PersonalDataProtector) {}

  async erase(ctx: RequestContext, id: string, reason: string): Promise<UserEntity> {
    if (!REASON.test(reason)) {
      throw new BadUserInputError(
        "reason must be a code or ticket reference: 1 to 64 letters, digits or _.:#/-",
        "INVALID_REASON",
      );
    }
    return ctx.em.transactional(async (em) => {
      const user = await em.findOne(UserEntity, { id }, { lockMode: 4 /* PESSIMISTIC_WRITE */ });
      if (!user) throw new NotFoundError("no user with this id");
      if (user.status === UserStatus.ERASED) return user;
      await this.protector.shred(em, [user.id], { actor: ctx.actor, requestId: ctx.requestId });
      user.status = UserStatus.ERASED;
      user.erasedAt = new Date();
      user.emailIndex = null;
      user.phoneIndex = null;
      user.recordHash = null;
      await em.flush();
      await appendAuditEvents(em, { actor: ctx.actor, requestId: ctx.requestId }, [
        { type: "UserErased", subjectType: "User", subjectId: user.id, data: { reason } },
      ]);
      return user;
    });
  }
}
