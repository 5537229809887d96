import DataLoader from "dataloader";
import type { RequestContext } from "../../shared/context.js";
import { CredentialEntity } from "./entities/credential.entity.js";
import { CredentialSchemaEntity } from "./entities/credential-schema.entity.js";

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k) ?? null);
}

export function credentialLoader(ctx: RequestContext): DataLoader<string, CredentialEntity | null> {
  return ctx.loader("credential.byId", () => {
    return new DataLoader(async (ids: readonly string[]) =>
      byKey(ids, await ctx.em.find(CredentialEntity, { id: { $in: [...ids] } }), (c) => c.id),
    );
  });
}

export function credentialSchemaLoader(
  ctx: RequestContext,
): DataLoader<string, CredentialSchemaEntity | null> {
  return ctx.loader("credential.schemaById", () => {
    return new DataLoader(async (ids: readonly string[]) =>
      byKey(ids, await ctx.em.find(CredentialSchemaEntity, { id: { $in: [...ids] } }), (s) => s.id),
    );
  });
}

/** Every credential of many holders in one query: what `User.credentials` over a page of users needs. */
export function credentialsByHolderLoader(ctx: RequestContext): DataLoader<string, CredentialEntity[]> {
  return ctx.loader("credential.byHolder", () => {
    return new DataLoader(async (holderIds: readonly string[]) => {
      const rows = await ctx.em.find(
        CredentialEntity,
        { holderId: { $in: [...holderIds] } },
        { orderBy: { issuedAt: "asc", id: "asc" } },
      );
      const groups = new Map<string, CredentialEntity[]>();
      for (const row of rows) {
        const list = groups.get(row.holderId) ?? [];
        list.push(row);
        groups.set(row.holderId, list);
      }
      return holderIds.map((id) => groups.get(id) ?? []);
    });
  });
}
