import DataLoader from "dataloader";
import type { RequestContext } from "../../shared/context.js";
import { appendAuditEvents } from "../../shared/events/audit-log.js";
import type { PersonalColumn } from "./entities/user.entity.js";

/**
 * Every read of personal data is audited (who, which user, which fields, when), never the values. The reads of
 * one request are collected by a DataLoader and written in one transaction before any value is returned: if
 * the audit cannot be written, the data is not served.
 */
export function recordPersonalDataRead(
  ctx: RequestContext,
  userId: string,
  field: PersonalColumn,
): Promise<true> {
  const loader = ctx.loader("identity.personalDataReads", () => {
    return new DataLoader<string, true>(async (keys) => {
      const fieldsByUser = new Map<string, string[]>();
      for (const key of keys) {
        const [id, column] = key.split("|") as [string, string];
        fieldsByUser.set(id, [...(fieldsByUser.get(id) ?? []), column]);
      }
      await ctx.em.fork().transactional((em) =>
        appendAuditEvents(
          em,
          { actor: ctx.actor, requestId: ctx.requestId },
          [...fieldsByUser].map(([id, fields]) => ({
            type: "PersonalDataRead",
            subjectType: "User",
            subjectId: id,
            data: { fields: fields.sort(), roles: ctx.viewer?.roles ?? [] },
          })),
        ),
      );
      return keys.map(() => true as const);
    });
  });
  return loader.load(`${userId}|${field}`);
}
