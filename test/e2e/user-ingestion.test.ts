import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevToken } from "../../scripts/commands/token.js";
import type {
  IngestReport,
  StoredResult,
} from "../../subgraphs/identity/ingestion/user-ingestion.service.js";
import { startTestStack, type TestStack } from "../helpers/stack.js";

let stack: TestStack;
let db: pg.Client;
const tokens: Record<string, string> = {};

const INGEST = `mutation($batch: [VerifiedUserInput!]!, $key: String) {
  ingestVerifiedUsers(batch: $batch, idempotencyKey: $key) {
    batchId received created updated unchanged rejected replayed
    results { index externalRef status user { id status } errors { field code message } }
  }
}`;

/** The service's report as the GraphQL selection above returns it: `user` in place of `userId`. */
type Report = Omit<IngestReport, "results"> & {
  results: Array<Omit<StoredResult, "userId"> & { user: { id: string; status: string } | null }>;
};

function person(n: number, overrides: Record<string, unknown> = {}) {
  return {
    externalRef: `backend-${n}`,
    firstName: "josé",
    lastName: `O'BRIEN-SMITH`,
    email: `Jose.Obrien${n}@Example.COM`,
    dateOfBirth: "1984-02-29",
    phoneNumber: `+44 20 7946 ${String(n % 10_000).padStart(4, "0")}`,
    ...overrides,
  };
}

async function ingest(batch: unknown[], key?: string, role = "ingestor") {
  const response = await stack.gql<{ ingestVerifiedUsers: Report }>(
    INGEST,
    { batch, key },
    { authorization: `Bearer ${tokens[role]}` },
  );
  return response;
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query(sql, params)).rows[0].n);
}

beforeAll(async () => {
  stack = await startTestStack();
  db = new pg.Client({ connectionString: stack.db.url });
  await db.connect();
  for (const role of ["ingestor", "admin", "support"]) {
    tokens[role] = await createDevToken(stack.config, { roles: [role], sub: `test-${role}` });
  }
});

afterAll(async () => {
  await db?.end();
  await stack?.close();
});

describe("ingestVerifiedUsers", () => {
  it("accepts the good records, rejects the bad ones with field codes, in input order", async () => {
    const batch = [
      person(1),
      person(2, { firstName: "R2-D2", email: "not-an-email", dateOfBirth: "2199-01-01" }),
      person(3, { phoneNumber: null }),
      person(1, { firstName: "Other" }),
      person(4, { dateOfBirth: "2023-02-30" }),
    ];
    const { body } = await ingest(batch, "first-batch");
    expect(body.errors).toBeUndefined();
    const report = body.data!.ingestVerifiedUsers;
    expect(report).toMatchObject({
      received: 5,
      created: 2,
      updated: 0,
      unchanged: 0,
      rejected: 3,
      replayed: false,
    });
    expect(report.results.map((r) => [r.index, r.externalRef, r.status])).toEqual([
      [0, "backend-1", "CREATED"],
      [1, "backend-2", "REJECTED"],
      [2, "backend-3", "CREATED"],
      [3, "backend-1", "REJECTED"],
      [4, "backend-4", "REJECTED"],
    ]);
    expect(report.results[1]!.errors.map((e) => [e.field, e.code])).toEqual([
      ["firstName", "INVALID_NAME"],
      ["email", "INVALID_EMAIL"],
      ["dateOfBirth", "DATE_IN_FUTURE"],
    ]);
    expect(report.results[3]!.errors.map((e) => e.code)).toEqual(["DUPLICATE_IN_BATCH"]);
    expect(report.results[4]!.errors.map((e) => e.code)).toEqual(["INVALID_DATE"]);
    expect(report.results[0]!.user).toMatchObject({ status: "ACTIVE" });
    for (const r of report.results) for (const e of r.errors) expect(e.message).not.toContain("not-an-email");
  });

  it("stores no personal value in clear anywhere in the database", async () => {
    const dump = JSON.stringify(
      (await db.query("select * from identity.users")).rows.concat(
        (await db.query("select * from audit.events")).rows,
        (await db.query("select * from identity.ingest_batches")).rows,
      ),
    );
    for (const value of [
      "José",
      "josé",
      "O'Brien-Smith",
      "Jose.Obrien1@example.com",
      "Jose.Obrien1",
      "1984-02-29",
      "+442079460001",
      "7946",
    ]) {
      expect(dump.toLowerCase()).not.toContain(value.toLowerCase());
    }
  });

  it("cleans, and an admin reads the cleaned values back (case-insensitive email look-up), every read audited", async () => {
    const before = await count("select count(*) as n from audit.events where type = 'PersonalDataRead'");
    const { body } = await stack.gql<{
      userByEmail: {
        externalRef: string;
        firstName: string;
        lastName: string;
        email: string;
        phoneNumber: string;
        dateOfBirth: string;
      };
    }>(
      `{ userByEmail(email: "  JOSE.OBRIEN1@example.com ") { externalRef firstName lastName email phoneNumber dateOfBirth } }`,
      undefined,
      { authorization: `Bearer ${tokens.admin}` },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.userByEmail).toEqual({
      externalRef: "backend-1",
      firstName: "José",
      lastName: "O'Brien-Smith",
      email: "Jose.Obrien1@example.com",
      phoneNumber: "+442079460001",
      dateOfBirth: "1984-02-29",
    });
    const audits = (
      await db.query(
        "select actor, subject_type, data from audit.events where type = 'PersonalDataRead' order by seq desc limit 1",
      )
    ).rows;
    expect(await count("select count(*) as n from audit.events where type = 'PersonalDataRead'")).toBe(
      before + 1,
    );
    expect(audits[0]).toMatchObject({
      actor: "test-admin",
      subject_type: "User",
      data: { fields: ["dateOfBirth", "email", "firstName", "lastName", "phoneNumber"] },
    });
  });

  it("tells UNCHANGED from UPDATED without decrypting, and writes audit events for changes only", async () => {
    const eventsBefore = await count(
      "select count(*) as n from audit.events where type in ('UserIngested','UserUpdated')",
    );
    const { body } = await ingest(
      [person(1), person(3, { phoneNumber: "+1 (415) 555-2671" })],
      "second-batch",
    );
    expect(body.data!.ingestVerifiedUsers).toMatchObject({
      created: 0,
      updated: 1,
      unchanged: 1,
      rejected: 0,
    });
    expect(body.data!.ingestVerifiedUsers.results.map((r) => r.status)).toEqual(["UNCHANGED", "UPDATED"]);
    expect(
      await count("select count(*) as n from audit.events where type in ('UserIngested','UserUpdated')"),
    ).toBe(eventsBefore + 1);
  });

  it("replays a known idempotency key without writing, and refuses the key for a different batch", async () => {
    const users = await count("select count(*) as n from identity.users");
    const events = await count("select count(*) as n from audit.events");
    const first = await ingest([person(10), person(11)], "replay-key");
    const again = await ingest([person(10), person(11)], "replay-key");
    expect(first.body.data!.ingestVerifiedUsers.replayed).toBe(false);
    expect(again.body.data!.ingestVerifiedUsers).toEqual({
      ...first.body.data!.ingestVerifiedUsers,
      replayed: true,
    });
    expect(await count("select count(*) as n from identity.users")).toBe(users + 2);
    // The first call wrote 2 UserIngested + 1 UserBatchIngested; the replay wrote nothing.
    expect(await count("select count(*) as n from audit.events where type <> 'PersonalDataRead'")).toBe(
      events - (await count("select count(*) as n from audit.events where type = 'PersonalDataRead'")) + 3,
    );
    const other = await ingest([person(12)], "replay-key");
    expect(other.body.errors?.[0]?.extensions).toMatchObject({
      code: "CONFLICT",
      reason: "IDEMPOTENCY_KEY_REUSED",
    });
  });

  it("never writes twice when the same key is retried concurrently", async () => {
    const batch = Array.from({ length: 300 }, (_, i) => person(1000 + i));
    const users = await count("select count(*) as n from identity.users");
    const responses = await Promise.all(Array.from({ length: 6 }, () => ingest(batch, "concurrent-key")));
    const reports = responses
      .map((r) => r.body.data?.ingestVerifiedUsers)
      .filter((r) => r !== undefined && r !== null);
    const conflicts = responses.filter((r) => r.body.errors?.[0]?.extensions?.code === "CONFLICT");
    expect(reports.length + conflicts.length).toBe(6);
    expect(reports.filter((r) => !r!.replayed)).toHaveLength(1);
    for (const r of reports) expect(r!.created).toBe(300);
    expect(await count("select count(*) as n from identity.users")).toBe(users + 300);
    const batchId = reports[0]!.batchId;
    expect(
      await count(
        "select count(*) as n from audit.events where type = 'UserIngested' and data->>'batchId' = $1",
        [batchId],
      ),
    ).toBe(300);
  });

  it("refuses a batch over the limit before doing any work", async () => {
    const users = await count("select count(*) as n from identity.users");
    const batch = Array.from({ length: stack.config.ingest.maxBatch + 1 }, (_, i) => person(50_000 + i));
    const { body } = await ingest(batch, "too-big");
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "BATCH_TOO_LARGE" });
    expect(await count("select count(*) as n from identity.users")).toBe(users);
    expect(
      await count("select count(*) as n from identity.ingest_batches where idempotency_key = 'too-big'"),
    ).toBe(0);
  });

  it("erases by crypto-shredding: ciphertext stays, values are gone, re-ingest is refused", async () => {
    const { rows } = await db.query(
      "select id, first_name_ct from identity.users where external_ref = 'backend-3'",
    );
    const id = rows[0].id as string;
    const erase = await stack.gql<{
      eraseUser: { id: string; status: string; firstName: string | null; email: string | null };
    }>(
      `mutation($id: ID!) { eraseUser(id: $id, reason: "GDPR-ART17-4711") { id status firstName email } }`,
      { id },
      { authorization: `Bearer ${tokens.admin}` },
    );
    expect(erase.body.errors).toBeUndefined();
    expect(erase.body.data!.eraseUser).toEqual({ id, status: "ERASED", firstName: null, email: null });
    const after = (
      await db.query("select first_name_ct, email_index from identity.users where id = $1", [id])
    ).rows[0];
    expect(Buffer.compare(after.first_name_ct, rows[0].first_name_ct)).toBe(0);
    expect(after.email_index).toBeNull();
    expect(
      await count(
        "select count(*) as n from keyring.data_keys where subject_id = $1 and wrapped_key is null",
        [id],
      ),
    ).toBe(1);
    const audit = (
      await db.query(
        "select type, data from audit.events where subject_id = $1 and type in ('UserErased','DataKeyDestroyed')",
        [id],
      )
    ).rows;
    expect(audit.map((a) => a.type).sort()).toEqual(["DataKeyDestroyed", "UserErased"]);

    const again = await ingest([person(3)], "after-erasure");
    expect(again.body.data!.ingestVerifiedUsers.results[0]).toMatchObject({
      status: "REJECTED",
      errors: [{ field: "externalRef", code: "USER_ERASED" }],
    });
  });

  it("logs none of the personal values it was sent", async () => {
    stack.logs.lines.length = 0;
    const secret = person(777, {
      firstName: "Zyxwvutsrq",
      lastName: "Qwertyuiop",
      email: "zyx.secret@privacy-test.example",
      phoneNumber: "+1 415 555 0199",
    });
    await ingest(
      [secret, { ...secret, externalRef: "bad-777", email: "bad@@privacy-test.example" }],
      "privacy-key",
    );
    await stack.gql(`{ userByExternalRef(externalRef: "backend-777") { firstName email } }`, undefined, {
      authorization: `Bearer ${tokens.admin}`,
    });
    expect(stack.logs.lines.length).toBeGreaterThan(0);
    expect(
      stack.logs.leaked([
        "Zyxwvutsrq",
        "Qwertyuiop",
        "zyx.secret",
        "privacy-test.example",
        "4155550199",
        "555 0199",
        "1984-02-29",
      ]),
    ).toEqual([]);
  });

  it("counts outcomes and rejection codes on /metrics, and nothing else of the records", async () => {
    const identity = stack.services.find((s) => s.name === "identity")!;
    const scrape = async () => (await fetch(new URL("/metrics", identity.url))).text();
    const value = (text: string, name: string, labels: string) => {
      const line = text
        .split("\n")
        .find((l) => l.startsWith(`${name}{`) && labels.split(",").every((p) => l.includes(p)));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    };
    const before = await scrape();
    await ingest([person(900), person(901, { email: "metrics-secret@@example.org" })], "metrics-key");
    await ingest([person(900), person(901, { email: "metrics-secret@@example.org" })], "metrics-key"); // replay
    const after = await scrape();
    const delta = (name: string, labels: string) => value(after, name, labels) - value(before, name, labels);
    expect(delta("trustid_ingest_records_total", 'status="CREATED"')).toBe(1);
    expect(delta("trustid_ingest_records_total", 'status="REJECTED"')).toBe(1);
    expect(delta("trustid_ingest_field_errors_total", 'field="email",code="INVALID_EMAIL"')).toBe(1);
    expect(delta("trustid_ingest_batch_duration_seconds_count", 'replayed="true"')).toBe(1);
    expect(after).not.toContain("metrics-secret");
    expect(after).not.toContain("backend-90");
  });
});
