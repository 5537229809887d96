import { hash as digest } from "node:crypto";
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

/**
 * Canonical JSON (keys sorted by UTF-16 code units, undefined members dropped) so the same event always hashes
 * the same. Written as plain loops: it runs for every audit event and over every ingest batch.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(record);
  let out = "{";
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The object's keys, sorted. Batches are runs of objects of one shape: when the keys come in the same order as
 * the previous object's, its sorted order is reused instead of sorting again.
 */
let lastKeys: string[] = [];
let lastSorted: string[] = [];
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  if (keys.length === lastKeys.length && keys.every((k, i) => k === lastKeys[i])) return lastSorted;
  lastKeys = keys;
  lastSorted = [...keys].sort();
  return lastSorted;
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

/**
 * sha256(prevHash "\n" canonical event). The event's members are written in their sorted order directly
 * (actor, data, occurredAt, requestId, subjectId, subjectType, type): the same string canonicalJson gives for
 * the object, without building and sorting it for every line.
 */
export function auditHash(prevHash: string, event: HashedFields): string {
  const canonical =
    `{"actor":${JSON.stringify(event.actor)},"data":${canonicalJson(event.data)},` +
    `"occurredAt":${JSON.stringify(event.occurredAt.toISOString())},"requestId":${JSON.stringify(event.requestId)},` +
    `"subjectId":${JSON.stringify(event.subjectId)},"subjectType":${JSON.stringify(event.subjectType)},` +
    `"type":${JSON.stringify(event.type)}}`;
  return digest("sha256", `${prevHash}\n${canonical}`);
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
  const actor = who.actor;
  const requestId = who.requestId ?? null;
  // What differs per line travels as one JSON document, each line an array (type, subject type, subject id,
  // data, previous hash, hash); what every line shares (time, actor, request) as parameters of the statement.
  const rows: Array<[string, string, string, Record<string, unknown>, string, string]> = [];
  for (const event of events) {
    const data = event.data ?? {};
    const hash = auditHash(prevHash, {
      occurredAt,
      type: event.type,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      actor,
      requestId,
      data,
    });
    rows.push([event.type, event.subjectType, event.subjectId, data, prevHash, hash]);
    prevHash = hash;
  }
  // One statement for the whole batch; NOTIFY is delivered at commit, so it rides along.
  await sql(
    em,
    `with appended as (
       insert into audit.events (occurred_at, type, subject_type, subject_id, actor, request_id, data, prev_hash, hash)
       select ?::timestamptz, e->>0, e->>1, e->>2, ?, ?, e->3, e->>4, e->>5
         from jsonb_array_elements(?::jsonb) as e
     )
     select pg_notify(?, ?)`,
    [occurredAt, actor, requestId, JSON.stringify(rows), AUDIT_CHANNEL, prevHash],
  );
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
