/**
 * Bulk parameters for `sql()` (db/sql.ts). knex expands a JS array parameter into a comma list, so
 * `unnest(?::uuid[])` cannot take an array; a whole batch travels instead as one string parameter: a
 * PostgreSQL array literal of uuids, or a JSON document of rows read with `json_to_recordset`.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** `{id1,id2,...}` for `?::uuid[]`; throws on anything that is not a uuid (a bug in the caller). */
export function uuidArrayLiteral(ids: readonly string[]): string {
  for (const id of ids) if (!UUID.test(id)) throw new TypeError("subject ids must be uuids");
  return `{${ids.join(",")}}`;
}

/** Rows for `json_to_recordset(?::json) as r(col type, ...)`, or arrays for `jsonb_array_elements(?::jsonb)`. */
export function jsonRows(rows: readonly (Record<string, unknown> | readonly unknown[])[]): string {
  return JSON.stringify(rows);
}
