import type { EntityManager, Knex } from "@mikro-orm/postgresql";

/**
 * Raw SQL with real bind parameters, in the EntityManager's transaction when it has one.
 *
 * MikroORM's `connection.execute(sql, params)` inlines parameters into the SQL text (escaping each one), which
 * costs a full copy and escape of every value: fine for small statements, slow for a bulk path that sends a
 * whole chunk as one JSON document. knex.raw sends them as `$n` parameters instead. Arrays would be expanded
 * into a list by knex, so bulk data travels as one JSON string (`jsonb_to_recordset(?::jsonb)`).
 */
export async function sql<R = Record<string, unknown>>(
  em: EntityManager,
  statement: string,
  bindings: ReadonlyArray<string | number | boolean | Date | Buffer | null> = [],
): Promise<R[]> {
  const knex = (em.getTransactionContext<Knex.Transaction>() ?? em.getConnection().getKnex()) as Knex;
  const result = (await knex.raw(statement, bindings as Knex.RawBinding[])) as { rows?: R[] };
  return result.rows ?? [];
}
