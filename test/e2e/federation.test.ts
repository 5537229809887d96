import { randomUUID } from "node:crypto";
import type { Knex } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Orm } from "../../db/orm.js";
import { CredentialEntity, CredentialFormat } from "../../subgraphs/credential/entities/credential.entity.js";
import { CredentialSchemaEntity } from "../../subgraphs/credential/entities/credential-schema.entity.js";
import { UserEntity } from "../../subgraphs/identity/entities/user.entity.js";
import { startTestStack, type TestStack } from "../helpers/stack.js";

const USERS = 60;
const CREDENTIALS_PER_USER = 2;

let stack: TestStack;
let userIds: string[];
let credentialIds: string[];
const schemaId = randomUUID();

function ormOf(name: string): Orm {
  const orm = stack.services.find((s) => s.name === name)?.orm;
  if (!orm) throw new Error(`no ORM for ${name}`);
  return orm;
}

/** Counts the SQL statements a subgraph sends while `fn` runs (knex emits one 'query' event per statement). */
async function countQueries<T>(name: string, fn: () => Promise<T>): Promise<{ result: T; count: number }> {
  const knex = ormOf(name).em.getConnection().getKnex() as Knex;
  let count = 0;
  const listener = () => {
    count++;
  };
  knex.on("query", listener);
  try {
    return { result: await fn(), count };
  } finally {
    knex.off("query", listener);
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  const base = Date.now() - USERS * 1000;
  userIds = Array.from({ length: USERS }, () => randomUUID());
  await ormOf("identity")
    .em.fork()
    .insertMany(
      UserEntity,
      userIds.map((id, i) => ({
        id,
        externalRef: `ext-${i}`,
        verifiedAt: new Date(base),
        createdAt: new Date(base + i * 1000),
        updatedAt: new Date(base + i * 1000),
      })),
    );
  const em = ormOf("credential").em.fork();
  await em.insert(CredentialSchemaEntity, {
    id: schemaId,
    name: "NationalID",
    version: "1.0",
    attributes: ["given_name", "family_name"],
    ledgerId: "did:indy:trustid:Th7MpTaRZVRYnPiabds81Y/anoncreds/v0/SCHEMA/NationalID/1.0",
    createdAt: new Date(),
  });
  credentialIds = [];
  const credentials = userIds.flatMap((holderId) =>
    Array.from({ length: CREDENTIALS_PER_USER }, () => {
      const id = randomUUID();
      credentialIds.push(id);
      return { id, holderId, schema: schemaId, format: CredentialFormat.SD_JWT_VC, issuedAt: new Date() };
    }),
  );
  await em.insertMany(CredentialEntity, credentials);
});

afterAll(async () => {
  await stack?.close();
});

describe("the federated stack", () => {
  it("resolves identity → credential: users with their credentials and schemas", async () => {
    const { body } = await stack.gql<{
      users: {
        edges: Array<{
          node: {
            id: string;
            externalRef: string;
            credentials: Array<{ id: string; schema: { name: string } }>;
          };
        }>;
      };
    }>(`{ users(first: 5) { edges { node { id externalRef credentials { id schema { name } } } } } }`);
    expect(body.errors).toBeUndefined();
    const nodes = body.data!.users.edges.map((e) => e.node);
    expect(nodes.map((n) => n.externalRef)).toEqual(["ext-0", "ext-1", "ext-2", "ext-3", "ext-4"]);
    for (const node of nodes) {
      expect(node.credentials).toHaveLength(CREDENTIALS_PER_USER);
      expect(node.credentials.every((c) => c.schema.name === "NationalID")).toBe(true);
    }
  });

  it("resolves credential → identity: Credential.holder comes back through the gateway", async () => {
    const id = credentialIds[7]!;
    const { body } = await stack.gql<{
      credential: { id: string; holder: { id: string; externalRef: string; status: string } };
    }>(`query($id: ID!) { credential(id: $id) { id holder { id externalRef status } } }`, { id });
    expect(body.errors).toBeUndefined();
    expect(body.data!.credential.holder).toEqual({ id: userIds[3], externalRef: "ext-3", status: "ACTIVE" });
  });

  it("has no N+1: a page of many users with credentials costs a constant number of statements", async () => {
    const query = `{ users(first: ${USERS}) { edges { node { id credentials { id holder { externalRef } schema { name } } } } } }`;
    const identity = await countQueries("identity", () =>
      countQueries("credential", () => stack.gql<{ users: { edges: unknown[] } }>(query)),
    );
    const credentialCount = identity.result.count;
    const { body } = identity.result.result;
    expect(body.errors).toBeUndefined();
    expect(body.data!.users.edges).toHaveLength(USERS);
    // identity: the page, then one batched look-up for every holder reference; credential: one query for all
    // holders' credentials, one for all schemas. Per-row loading would be > USERS statements.
    expect(identity.count).toBeLessThanOrEqual(2);
    expect(credentialCount).toBeLessThanOrEqual(2);
  });

  it("pages users with opaque cursors", async () => {
    const first = await stack.gql<{
      users: {
        edges: Array<{ node: { externalRef: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(`{ users(first: 25) { edges { node { externalRef } } pageInfo { hasNextPage endCursor } } }`);
    const after = first.body.data!.users.pageInfo.endCursor;
    const second = await stack.gql<{
      users: { edges: Array<{ node: { externalRef: string } }>; pageInfo: { hasNextPage: boolean } };
    }>(
      `query($after: String) { users(first: 50, after: $after) { edges { node { externalRef } } pageInfo { hasNextPage } } }`,
      { after },
    );
    expect(first.body.data!.users.pageInfo.hasNextPage).toBe(true);
    expect(second.body.data!.users.edges.map((e) => e.node.externalRef)).toEqual(
      Array.from({ length: USERS - 25 }, (_, i) => `ext-${i + 25}`),
    );
    expect(second.body.data!.users.pageInfo.hasNextPage).toBe(false);
    const bad = await stack.gql(`{ users(first: 5, after: "not-a-cursor") { edges { cursor } } }`);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("carries the client's request id from the gateway to the subgraphs' logs", async () => {
    const requestId = `test-${randomUUID()}`;
    const response = await stack.gql(
      `{ users(first: 1) { edges { node { id credentials { id } } } } }`,
      undefined,
      {
        "x-request-id": requestId,
      },
    );
    expect(response.headers.get("x-request-id")).toBe(requestId);
    await new Promise((r) => setTimeout(r, 50));
    const services = new Set(
      stack.logs
        .records()
        .filter((r) => r.requestId === requestId)
        .map((r) => r.service),
    );
    expect(services).toContain("identity");
    expect(services).toContain("credential");
  });

  it("serves /healthz, /readyz and /metrics on every service", async () => {
    for (const service of stack.services) {
      const base = new URL(service.url);
      const health = await fetch(new URL("/healthz", base));
      expect(health.status, `${service.name} /healthz`).toBe(200);
      const ready = await fetch(new URL("/readyz", base));
      const readyBody = (await ready.json()) as { status: string; checks: Record<string, string> };
      expect(ready.status, `${service.name} /readyz ${JSON.stringify(readyBody)}`).toBe(200);
      expect(Object.values(readyBody.checks).every((v) => v === "ok")).toBe(true);
      const metrics = await (await fetch(new URL("/metrics", base))).text();
      expect(metrics).toMatch(/trustid_http_request_duration_seconds_bucket\{.*service="/);
      expect(metrics).toContain("trustid_process_cpu_user_seconds_total");
    }
  });

  it("answers a readiness failure when the database is behind on migrations", async () => {
    const identity = stack.services.find((s) => s.name === "identity")!;
    const em = ormOf("identity").em.fork();
    const [row] = await em
      .getConnection()
      .execute<{ name: string }[]>("delete from identity.mikro_orm_migrations returning name");
    try {
      const ready = await fetch(new URL("/readyz", identity.url));
      const body = (await ready.json()) as { checks: Record<string, string> };
      expect(ready.status).toBe(503);
      expect(body.checks.migrations).toMatch(/pending/);
    } finally {
      await em
        .getConnection()
        .execute("insert into identity.mikro_orm_migrations (name) values (?)", [row!.name]);
    }
  });
});
