import { createHash } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { sql } from "../../db/sql.js";

export interface AuditEventInput {
  /** Past-tense domain event: UserIngested, UserRejected, DataKeyDestroyed, CredentialRevoked, ... */
  type: string;
  subjectType: string;
  subjectId: string;
  /** Ids and codes only. Never a personal value: this table is read by auditors and analytics. */
  data?: Record<string, unknown>;
}

export interface AuditActor {
  actor: string;
  requestId?: string | null;
}

export const AUDIT_CHANNEL = "trustid_audit";
export const AUDIT_GENESIS_HASH = "0".repeat(64);
/** Appends are serialised cluster-wide: each line's hash depends on the line before it. */
const AUDIT_LOCK_KEY = 7_353_100_002;

/** Canonical JSON (sorted keys) so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export interface HashedFields {
  occurredAt: Date;
  type: string;
  subjectType: string;
  subjectId: string;
  actor: string;
  requestId: string | null;
  data: Record<string, unknown>;
}

export function auditHash(prevHash: string, event: HashedFields): string {
  return createHash("sha256")
    .update(prevHash)
    .update("\n")
    .update(
      canonicalJson({
        occurredAt: event.occurredAt.toISOString(),
        type: event.type,
        subjectType: event.subjectType,
        subjectId: event.subjectId,
        actor: event.actor,
        requestId: event.requestId,
        data: event.data,
      }),
    )
    .digest("hex");
}

/**
 * Appends events to `audit.events` inside the caller's transaction (the outbox: the state change and its
 * events commit or roll back together) and notifies listeners after commit through NOTIFY.
 */
export async function appendAuditEvents(
  em: EntityManager,
  who: AuditActor,
  events: readonly AuditEventInput[],
): Promise<void> {
  if (events.length === 0) return;
  if (!em.isInTransaction())
    throw new Error("appendAuditEvents must run inside the state change's transaction");
  await sql(em, "select pg_advisory_xact_lock(?)", [AUDIT_LOCK_KEY]);
  const last = await sql<{ hash: string }>(em, "select hash from audit.events order by seq desc limit 1");
  let prevHash = last[0]?.hash ?? AUDIT_GENESIS_HASH;
  const occurredAt = new Date();
  const rows: Array<Record<string, unknown>> = [];
  for (const event of events) {
    const fields: HashedFields = {
      occurredAt,
      type: event.type,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      actor: who.actor,
      requestId: who.requestId ?? null,
      data: event.data ?? {},
    };
    const hash = auditHash(prevHash, fields);
    rows.push({ ...fields, occurredAt: occurredAt.toISOString(), prevHash, hash });
    prevHash = hash;
  }
  // One statement for the whole batch: the rows travel as one JSON document.
  await sql(
    em,
    `insert into audit.events (occurred_at, type, subject_type, subject_id, actor, request_id, data, prev_hash, hash)
     select "occurredAt", type, "subjectType", "subjectId", actor, "requestId", data, "prevHash", hash
       from jsonb_to_recordset(?::jsonb) as t("occurredAt" timestamptz, type text, "subjectType" text,
            "subjectId" text, actor text, "requestId" text, data jsonb, "prevHash" text, hash text)`,
    [JSON.stringify(rows)],
  );
  await sql(em, "select pg_notify(?, ?)", [AUDIT_CHANNEL, prevHash]);
}

export interface ChainReport {
  checked: number;
  ok: boolean;
  /** The first line whose hash or link does not match, if any. */
  brokenAtSeq?: string;
}

/** Runs one statement without parameters and returns its rows (a pg client or a MikroORM connection). */
type Query = (sql: string) => Promise<Array<Record<string, unknown>>>;

/** Recomputes the chain from the first line, in pages; `trustid audit verify` reports the first break. */
export async function verifyAuditChain(query: Query, pageSize = 5000): Promise<ChainReport> {
  let prevHash = AUDIT_GENESIS_HASH;
  let afterSeq = "0";
  let checked = 0;
  for (;;) {
    // Both values are integers this function produced (checked), inlined so that any executor works, whatever
    // its placeholder style (node-postgres `$1`, MikroORM `?`).
    if (!/^\d+$/.test(afterSeq) || !Number.isInteger(pageSize))
      throw new TypeError("audit cursor must be an integer");
    const rows = await query(
      `select seq, occurred_at, type, subject_type, subject_id, actor, request_id, data, prev_hash, hash
         from audit.events where seq > ${afterSeq} order by seq limit ${pageSize}`,
    );
    for (const r of rows) {
      const expected = auditHash(prevHash, {
        occurredAt: new Date(r.occurred_at as string),
        type: String(r.type),
        subjectType: String(r.subject_type),
        subjectId: String(r.subject_id),
        actor: String(r.actor),
        requestId: (r.request_id as string | null) ?? null,
        data: (typeof r.data === "string" ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
      });
      if (r.prev_hash !== prevHash || r.hash !== expected)
        return { checked, ok: false, brokenAtSeq: String(r.seq) };
      prevHash = expected;
      checked++;
    }
    if (rows.length < pageSize) return { checked, ok: true };
    afterSeq = String(rows.at(-1)!.seq);
  }
}
