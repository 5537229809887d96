import { createPublicKey, randomBytes, randomUUID } from "node:crypto";
import {
  buildSchema,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
} from "graphql";
import { base64url, exportSPKI, generateKeyPair, SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUBGRAPHS } from "../../scripts/stack.js";
import { DEV_KEY_ALG, devPrivateKey, devPublicJwk } from "../../shared/auth/dev-keys.js";
import {
  bodyHash,
  GATEWAY_CONTEXT_HEADER,
  gatewaySigningSecret,
  signGatewayContext,
} from "../../shared/auth/gateway-context.js";
import { SUBGRAPH_NAMES, type SubgraphName } from "../../shared/config.js";
import type { Role, Viewer } from "../../shared/context.js";
import { type GqlBody, startTestStack, type TestStack } from "../helpers/stack.js";
import { CALLERS, type Caller, EXPECTED, mayRead } from "../unit/security/expected-access.js";

/**
 * What the gateway and the subgraphs refuse, and with which code. The role matrix is driven by the
 * subgraphs' permission maps: every field they name that the running supergraph serves is tried for every
 * role and for an anonymous caller, and EXPECTED below (API.md's roles, written out) says who must get it.
 */

let stack: TestStack;
let db: pg.Client;
let supergraph: GraphQLSchema;
const ids = {
  u1: "",
  u2: "",
  victim: "",
  schema: randomUUID(),
  c1: randomUUID(),
  c2: randomUUID(),
  c3: randomUUID(),
};
const U1_EMAIL = "ada.lovelace@example.org";
let sequence = 0;

function person(externalRef: string, email = `${externalRef}@example.org`) {
  return {
    externalRef,
    firstName: "Ada",
    lastName: "Lovelace",
    email,
    dateOfBirth: "1985-12-10",
    phoneNumber: "+44 20 7946 0001",
  };
}

/** Rows that a refused request must not have added. */
async function counts(): Promise<Record<string, number>> {
  const { rows } = await db.query<Record<string, string>>(`select
      (select count(*) from identity.users) as users,
      (select count(*) from credential.credentials) as credentials,
      (select count(*) from audit.events) as audit_events`);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

async function headersFor(caller: Caller): Promise<Record<string, string>> {
  return caller === "anonymous" ? { authorization: "" } : stack.as([caller], { sub: `matrix-${caller}` });
}

function codesOf(body: GqlBody<unknown>): string[] {
  return (body.errors ?? []).map((e) => String(e.extensions?.code));
}

/** One request to a subgraph, bypassing the gateway; signed like the gateway signs unless `sign` is false. */
async function direct(
  name: SubgraphName,
  query: string,
  variables: Record<string, unknown> = {},
  options: { viewer?: Viewer | null; sign?: boolean; headers?: Record<string, string> } = {},
) {
  const body = JSON.stringify({ query, variables });
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.sign !== false) {
    headers[GATEWAY_CONTEXT_HEADER] = await signGatewayContext(gatewaySigningSecret(stack.config), {
      audience: name,
      viewer: options.viewer ?? null,
      requestId: `direct-${randomUUID()}`,
      body,
    });
  }
  const response = await fetch(stack.urls[name]!, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as GqlBody<Record<string, unknown>> };
}

function viewerOf(caller: Caller): Viewer | null {
  return caller === "anonymous" ? null : { subject: `direct-${caller}`, roles: [caller] };
}

/** The subgraph requests the gateway's access log has seen so far (to prove a refusal reached none). */
function subgraphRequests(): number {
  return stack.logs
    .records()
    .filter((r) => r.msg === "request" && r.route === "/graphql" && r.service !== "gateway").length;
}

beforeAll(async () => {
  // Ingestion on the service's own thread here (the other end-to-end files use the default worker threads), so
  // both paths are exercised through the gateway.
  stack = await startTestStack({ TRUSTID_MAX_BODY_BYTES: String(256 * 1024), TRUSTID_INGEST_WORKERS: "0" });
  db = new pg.Client({ connectionString: stack.db.url });
  await db.connect();
  const gateway = stack.services.find((s) => s.name === "gateway") as { supergraph?: string } | undefined;
  supergraph = buildSchema(gateway!.supergraph!);

  const seeded = await stack.gql<{
    ingestVerifiedUsers: { results: Array<{ externalRef: string; user: { id: string } | null }> };
  }>(
    `mutation($batch: [VerifiedUserInput!]!) {
       ingestVerifiedUsers(batch: $batch) { results { externalRef user { id } } }
     }`,
    { batch: [person("sec-1", U1_EMAIL), person("sec-2"), person("sec-victim")] },
    await stack.as(["ingestor"], { sub: "seed" }),
  );
  expect(seeded.body.errors).toBeUndefined();
  const idOf = (ref: string) =>
    seeded.body.data!.ingestVerifiedUsers.results.find((r) => r.externalRef === ref)!.user!.id;
  ids.u1 = idOf("sec-1");
  ids.u2 = idOf("sec-2");
  ids.victim = idOf("sec-victim");

  await db.query(
    `insert into credential.schemas (id, name, version, attributes, ledger_id, created_at)
     values ($1, 'NationalID', '1.0', '{given_name,family_name}', 'did:indy:trustid:Th7MpTaRZVRYnPiabds81Y/anoncreds/v0/SCHEMA/NationalID/1.0', now())`,
    [ids.schema],
  );
  for (const [id, holder] of [
    [ids.c1, ids.u1],
    [ids.c2, ids.u1],
    [ids.c3, ids.u2],
  ]) {
    await db.query(
      `insert into credential.credentials (id, holder_id, schema_id, format, issued_at) values ($1, $2, $3, 'SD_JWT_VC', now())`,
      [id, holder, ids.schema],
    );
  }
});

afterAll(async () => {
  await db?.end();
  await stack?.close();
});

// ---------------------------------------------------------------------------------------------------------
// The role matrix
// ---------------------------------------------------------------------------------------------------------

/** How to reach an object of each type from the root, and which fields' rules that path passes through. */
interface Reach {
  via: string[];
  operation: (selection: string) => string;
}

const SERIES_ARGS = '(metric: "users_ingested", from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z")';

function reachOf(type: string): Reach | undefined {
  const ingest = (selection: string) => {
    sequence += 1;
    const good = JSON.stringify(person(`matrix-${sequence}`)).replace(/"(\w+)":/g, "$1:");
    const bad = JSON.stringify({ ...person(`matrix-bad-${sequence}`), email: "not-an-email" }).replace(
      /"(\w+)":/g,
      "$1:",
    );
    return `mutation { ingestVerifiedUsers(batch: [${good}, ${bad}]) { ${selection} } }`;
  };
  const reaches: Record<string, Reach> = {
    User: { via: ["Query.user"], operation: (s) => `{ user(id: "${ids.u1}") { ${s} } }` },
    UserConnection: { via: ["Query.users"], operation: (s) => `{ users(first: 2) { ${s} } }` },
    UserEdge: {
      via: ["Query.users", "UserConnection.edges"],
      operation: (s) => `{ users(first: 2) { edges { ${s} } } }`,
    },
    PageInfo: {
      via: ["Query.users", "UserConnection.pageInfo"],
      operation: (s) => `{ users(first: 2) { pageInfo { ${s} } } }`,
    },
    UserIngestReport: { via: ["Mutation.ingestVerifiedUsers"], operation: ingest },
    UserIngestResult: {
      via: ["Mutation.ingestVerifiedUsers", "UserIngestReport.results"],
      operation: (s) => ingest(`results { ${s} }`),
    },
    FieldError: {
      via: ["Mutation.ingestVerifiedUsers", "UserIngestReport.results", "UserIngestResult.errors"],
      operation: (s) => ingest(`results { errors { ${s} } }`),
    },
    Credential: { via: ["Query.credential"], operation: (s) => `{ credential(id: "${ids.c1}") { ${s} } }` },
    CredentialSchema: {
      via: ["Query.credentialSchemas"],
      operation: (s) => `{ credentialSchemas { ${s} } }`,
    },
    LedgerStatus: { via: ["Query.ledgerStatus"], operation: (s) => `{ ledgerStatus { ${s} } }` },
    LedgerTransactionConnection: {
      via: ["Query.ledgerTransactions"],
      operation: (s) => `{ ledgerTransactions(first: 1) { ${s} } }`,
    },
    LedgerTransactionEdge: {
      via: ["Query.ledgerTransactions", "LedgerTransactionConnection.edges"],
      operation: (s) => `{ ledgerTransactions(first: 1) { edges { ${s} } } }`,
    },
    LedgerTransaction: {
      via: ["Query.ledgerTransactions", "LedgerTransactionConnection.edges", "LedgerTransactionEdge.node"],
      operation: (s) => `{ ledgerTransactions(first: 1) { edges { node { ${s} } } } }`,
    },
    Analytics: { via: ["Query.analytics"], operation: (s) => `{ analytics { ${s} } }` },
    AnalyticsCell: {
      via: ["Query.analytics", "Analytics.series"],
      operation: (s) => `{ analytics { series${SERIES_ARGS} { ${s} } } }`,
    },
    Query: { via: [], operation: (s) => `{ ${s} }` },
    Mutation: { via: [], operation: (s) => `mutation { ${s} }` },
  };
  return reaches[type];
}

/** Arguments for fields that require them. */
function argumentsOf(coordinate: string): string {
  const known: Record<string, string> = {
    "Query.user": `(id: "${ids.u1}")`,
    "Query.userByExternalRef": '(externalRef: "sec-1")',
    "Query.userByEmail": `(email: "${U1_EMAIL}")`,
    "Query.credential": `(id: "${ids.c1}")`,
    "Query.resolveDid": '(did: "did:indy:trustid:Th7MpTaRZVRYnPiabds81Y")',
    "Analytics.series": SERIES_ARGS,
    "Mutation.ingestVerifiedUsers": `(batch: [${JSON.stringify(person("matrix-root")).replace(/"(\w+)":/g, "$1:")}])`,
    "Mutation.eraseUser": `(id: "${ids.victim}", reason: "security test")`,
  };
  return known[coordinate] ?? "";
}

function selectionOf(field: GraphQLField<unknown, unknown>, coordinate: string): string {
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const args = argumentsOf(coordinate);
  if (required.length > 0 && !args)
    throw new Error(`${coordinate} needs arguments: add them to argumentsOf()`);
  return `${field.name}${args}${isLeafType(getNamedType(field.type)) ? "" : " { __typename }"}`;
}

/** Every `Type.field` named in a permission map that the running supergraph serves. */
function servedCoordinates(): string[] {
  const coordinates = new Set<string>();
  for (const name of SUBGRAPH_NAMES) {
    for (const [type, fields] of Object.entries(SUBGRAPHS[name].permissions)) {
      const served = supergraph.getType(type);
      if (!isObjectType(served)) continue;
      for (const field of Object.keys(fields)) {
        if (field in served.getFields() && !field.startsWith("_")) coordinates.add(`${type}.${field}`);
      }
    }
  }
  return [...coordinates].sort();
}

describe("the role matrix (every role × every field of the permission maps)", () => {
  it("has an expectation and a way to reach every field the permission maps name", () => {
    const coordinates = servedCoordinates();
    expect(coordinates.length).toBeGreaterThan(40);
    expect(coordinates.filter((c) => !EXPECTED[c])).toEqual([]);
    const subscriptions = coordinates.filter((c) => c.startsWith("Subscription."));
    expect(coordinates.filter((c) => !subscriptions.includes(c) && !reachOf(c.split(".")[0]!))).toEqual([]);
  });

  it("through the gateway, each caller gets exactly the fields API.md gives its role", async () => {
    const mismatches: string[] = [];
    // Subscriptions go over websockets; their rules are checked in test/unit/security/rules.test.ts.
    const coordinates = servedCoordinates().filter((c) => !c.startsWith("Subscription."));
    // One caller after another: a refused mutation is checked to have written nothing, which a concurrent
    // allowed one would blur.
    for (const caller of CALLERS) {
      const headers = await headersFor(caller);
      for (const coordinate of coordinates) {
        const [type, fieldName] = coordinate.split(".") as [string, string];
        const reach = reachOf(type)!;
        const field = (
          supergraph.getType(type) as { getFields(): Record<string, GraphQLField<unknown, unknown>> }
        ).getFields()[fieldName]!;
        const query = reach.operation(selectionOf(field, coordinate));
        const expected = mayRead(caller, [...reach.via, coordinate]);
        const before = !expected && type === "Mutation" ? await counts() : undefined;
        const { status, body } = await stack.gql(query, undefined, headers);
        const codes = codesOf(body);
        const refusal = caller === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN";
        const refused = codes.includes("FORBIDDEN") || codes.includes("UNAUTHENTICATED");
        if (status !== 200) mismatches.push(`${caller} ${coordinate}: HTTP ${status}`);
        else if (expected && refused) mismatches.push(`${caller} ${coordinate}: refused (${codes})`);
        else if (!expected && !codes.includes(refusal))
          mismatches.push(`${caller} ${coordinate}: got ${codes}`);
        if (before) {
          const after = await counts();
          if (JSON.stringify(after) !== JSON.stringify(before)) {
            mismatches.push(
              `${caller} ${coordinate}: refused but wrote ${JSON.stringify({ before, after })}`,
            );
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("through _entities, straight at each subgraph with the gateway's signature, entity fields stay guarded", async () => {
    const representations: Record<string, { __typename: string; id: string }> = {
      User: { __typename: "User", id: ids.u1 },
      Credential: { __typename: "Credential", id: ids.c1 },
      CredentialSchema: { __typename: "CredentialSchema", id: ids.schema },
    };
    const mismatches: string[] = [];
    let checked = 0;
    for (const name of SUBGRAPH_NAMES) {
      const sdl = (await direct(name, "{ _service { sdl } }", {}, { viewer: { subject: "t", roles: [] } }))
        .body.data!._service as { sdl: string };
      const entities = entityFieldsOf(sdl.sdl);
      for (const [type, fields] of Object.entries(entities)) {
        const representation = representations[type];
        if (!representation) throw new Error(`${name}: no representation for entity ${type} in this test`);
        for (const fieldName of fields) {
          const coordinate = `${type}.${fieldName}`;
          const field = (
            supergraph.getType(type) as { getFields(): Record<string, GraphQLField<unknown, unknown>> }
          ).getFields()[fieldName]!;
          const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { ${selectionOf(field, coordinate)} } } }`;
          for (const caller of CALLERS) {
            checked++;
            const { status, body } = await direct(
              name,
              query,
              { r: [representation] },
              { viewer: viewerOf(caller) },
            );
            const codes = codesOf(body);
            const expected = mayRead(caller, [coordinate]);
            const refusal = caller === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN";
            if (status !== 200) mismatches.push(`${name} ${caller} ${coordinate}: HTTP ${status}`);
            else if (expected && codes.length > 0)
              mismatches.push(`${name} ${caller} ${coordinate}: ${codes}`);
            else if (!expected && !codes.includes(refusal))
              mismatches.push(`${name} ${caller} ${coordinate}: ${codes}`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  });
});

/** Entity types (`@key`) of a subgraph's SDL and the fields it serves for each. */
function entityFieldsOf(sdl: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const definition of parse(sdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION)
      continue;
    if (!definition.directives?.some((d) => d.name.value === "key")) continue;
    out[definition.name.value] = (definition.fields ?? []).map((f) => f.name.value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Personal data: one person at a time
// ---------------------------------------------------------------------------------------------------------

describe("personal data", () => {
  async function personalReads(): Promise<number> {
    const { rows } = await db.query(
      "select count(*)::int as n from audit.events where type = 'PersonalDataRead'",
    );
    return rows[0].n as number;
  }

  it("support reads one person's personal data", async () => {
    const support = await stack.as(["support"], { sub: "agent-1" });
    const { body } = await stack.gql<{ user: { firstName: string; email: string } }>(
      `{ user(id: "${ids.u1}") { firstName email } }`,
      undefined,
      support,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.user).toEqual({ firstName: "Ada", email: U1_EMAIL });
    const byEmail = await stack.gql<{ userByEmail: { id: string } }>(
      `{ userByEmail(email: "${U1_EMAIL}") { id lastName } }`,
      undefined,
      support,
    );
    expect(byEmail.body.errors).toBeUndefined();
    expect(byEmail.body.data!.userByEmail.id).toBe(ids.u1);
  });

  it("support cannot read a list's personal data, nor several people in one request; ids still resolve", async () => {
    const support = await stack.as(["support"], { sub: "agent-2" });
    const before = await personalReads();
    const list = await stack.gql<{
      users: { edges: Array<{ node: { id: string; firstName: string | null } }> };
    }>("{ users(first: 3) { edges { node { id firstName } } } }", undefined, support);
    expect(list.body.data!.users.edges.length).toBeGreaterThan(1);
    expect(list.body.data!.users.edges.every((e) => e.node.id && e.node.firstName === null)).toBe(true);
    expect(list.body.errors!.every((e) => e.extensions?.reason === "ONE_PERSON_AT_A_TIME")).toBe(true);

    const aliased = await stack.gql(
      `{ a: user(id: "${ids.u1}") { email } b: user(id: "${ids.u2}") { email } }`,
      undefined,
      support,
    );
    expect(codesOf(aliased.body)).toEqual(["FORBIDDEN", "FORBIDDEN"]);

    // Through the credentials of many users, the holders' names are a fan-out too.
    const fanOut = await stack.gql(
      "{ users(first: 3) { edges { node { credentials { holder { lastName } } } } } }",
      undefined,
      support,
    );
    expect(codesOf(fanOut.body).length).toBeGreaterThan(0);
    expect(new Set(codesOf(fanOut.body))).toEqual(new Set(["FORBIDDEN"]));
    // A refused read is not a read: nothing was decrypted, nothing audited.
    expect(await personalReads()).toBe(before);
  });

  it("support reaches one person through a credential, and its claims", async () => {
    const support = await stack.as(["support"], { sub: "agent-3" });
    const { body } = await stack.gql<{ credential: { holder: { firstName: string } } }>(
      `{ credential(id: "${ids.c1}") { claims holder { firstName } } }`,
      undefined,
      support,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.credential.holder.firstName).toBe("Ada");
  });

  it("admin reads lists, and every read by staff is audited without values", async () => {
    const before = await personalReads();
    const { body } = await stack.gql<{ users: { edges: Array<{ node: { firstName: string } }> } }>(
      "{ users(first: 2) { edges { node { firstName } } } }",
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.users.edges.every((e) => e.node.firstName === "Ada")).toBe(true);
    expect(await personalReads()).toBeGreaterThan(before);
    const { rows } = await db.query(
      "select data::text as data from audit.events where type = 'PersonalDataRead'",
    );
    expect(rows.map((r) => r.data).join("\n")).not.toContain("Ada");
  });

  it("_entities for one person passes for support, for two it is refused", async () => {
    const query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }";
    const viewer = { subject: "agent-4", roles: ["support" as const] };
    const one = await direct("identity", query, { r: [{ __typename: "User", id: ids.u1 }] }, { viewer });
    expect(one.body.errors).toBeUndefined();
    const two = await direct(
      "identity",
      query,
      {
        r: [
          { __typename: "User", id: ids.u1 },
          { __typename: "User", id: ids.u2 },
        ],
      },
      { viewer },
    );
    expect(codesOf(two.body)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------------------

describe("tokens at the gateway", () => {
  const WRITE = `mutation { ingestVerifiedUsers(batch: [${JSON.stringify(person("token-attack")).replace(/"(\w+)":/g, "$1:")}]) { received } }`;

  async function devSigned(build: (jwt: SignJWT) => SignJWT, key?: Parameters<SignJWT["sign"]>[0]) {
    const jwt = new SignJWT({ roles: ["admin", "ingestor"] })
      .setProtectedHeader({ alg: DEV_KEY_ALG })
      .setSubject("attacker")
      .setIssuer(stack.config.auth.issuer)
      .setAudience(stack.config.auth.audience)
      .setIssuedAt()
      .setExpirationTime("5m");
    return build(jwt).sign(key ?? (await devPrivateKey(stack.config)));
  }

  it("refuses every bad token with 401 UNAUTHENTICATED and writes nothing", async () => {
    const now = Math.floor(Date.now() / 1000);
    const foreign = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    // The key the stack trusts, as an attacker would find it published: used as an HMAC secret.
    const trustedPem = createPublicKey({ key: await devPublicJwk(stack.config), format: "jwk" })
      .export({ type: "spki", format: "pem" })
      .toString();
    const valid = await devSigned((j) => j);
    const [header, payload, signature] = valid.split(".") as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    const tokens: Record<string, string> = {
      forged: await devSigned((j) => j, foreign.privateKey),
      expired: await devSigned((j) => j.setIssuedAt(now - 7200).setExpirationTime(now - 3600)),
      notYetValid: await devSigned((j) => j.setNotBefore(now + 3600).setExpirationTime(now + 7200)),
      wrongIssuer: await devSigned((j) => j.setIssuer("https://evil.example/")),
      wrongAudience: await devSigned((j) => j.setAudience("another-api")),
      algNone: `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${payload}.`,
      hs256WithPublicKey: await new SignJWT({ roles: ["admin"] })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("attacker")
        .setIssuer(stack.config.auth.issuer)
        .setAudience(stack.config.auth.audience)
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(trustedPem)),
      tampered: `${header}.${base64url.encode(JSON.stringify({ ...claims, sub: "someone-else" }))}.${signature}`,
      garbage: "not.a.token",
    };
    const before = await counts();
    const outcomes: Record<string, string> = {};
    for (const [name, token] of Object.entries(tokens)) {
      const response = await stack.gql(WRITE, undefined, { authorization: `Bearer ${token}` });
      outcomes[name] =
        `${response.status} ${codesOf(response.body)} ${response.headers.get("www-authenticate")}`;
    }
    const refused = '401 UNAUTHENTICATED Bearer error="invalid_token"';
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(tokens).map((k) => [k, refused])));
    expect(await counts()).toEqual(before);
    // The control: the same mutation with the untampered token goes through.
    const accepted = await stack.gql<{ ingestVerifiedUsers: { received: number } }>(WRITE, undefined, {
      authorization: `Bearer ${valid}`,
    });
    expect(accepted.body.data?.ingestVerifiedUsers.received).toBe(1);
  });

  it("tells an expired token apart, so a client knows to refresh", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await devSigned((j) => j.setIssuedAt(now - 7200).setExpirationTime(now - 3600));
    const { body } = await stack.gql("{ __typename }", undefined, { authorization: `Bearer ${expired}` });
    expect(body.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" });
  });

  it("answers an anonymous caller UNAUTHENTICATED on every protected field, without refusing the request", async () => {
    const { status, body } = await stack.gql("{ credentialSchemas { id } }", undefined, {
      authorization: "",
    });
    expect(status).toBe(200);
    expect(codesOf(body)).toEqual(["UNAUTHENTICATED"]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// No way around the gateway
// ---------------------------------------------------------------------------------------------------------

describe("direct subgraph calls", () => {
  it("get nothing without the gateway's signature, with or without a user's token, _service and _entities included", async () => {
    const admin = await stack.as(["admin"]);
    const queries = [
      "{ _service { sdl } }",
      'query { _entities(representations: [{ __typename: "User", id: "x" }]) { __typename } }',
      "{ __typename }",
    ];
    const before = await counts();
    for (const name of SUBGRAPH_NAMES) {
      for (const query of queries) {
        for (const headers of [{}, admin]) {
          const { status, body } = await direct(name, query, {}, { sign: false, headers });
          expect(status, `${name} ${query}`).toBe(401);
          expect(codesOf(body)).toEqual(["UNAUTHENTICATED"]);
          expect(body.data).toBeUndefined();
        }
      }
    }
    const write = `mutation { ingestVerifiedUsers(batch: [${JSON.stringify(person("direct-attack")).replace(/"(\w+)":/g, "$1:")}]) { received } }`;
    const ingestor = await stack.as(["ingestor"]);
    expect((await direct("identity", write, {}, { sign: false, headers: ingestor })).status).toBe(401);
    expect(await counts()).toEqual(before);
  });

  it("refuse a captured gateway context replayed with another query, or sent to another subgraph", async () => {
    const identity = stack.services.find((s) => s.name === "identity")!;
    let captured = "";
    const capture = (req: { headers: Record<string, unknown> }) => {
      captured ||= String(req.headers[GATEWAY_CONTEXT_HEADER] ?? "");
    };
    identity.server.on("request", capture);
    try {
      await stack.gql(`{ user(id: "${ids.u1}") { id } }`, undefined, await stack.as(["support"]));
    } finally {
      identity.server.off("request", capture);
    }
    expect(captured).toMatch(/^ey/);
    const replay = (name: SubgraphName, query: string) =>
      fetch(stack.urls[name]!, {
        method: "POST",
        headers: { "content-type": "application/json", [GATEWAY_CONTEXT_HEADER]: captured },
        body: JSON.stringify({ query }),
      });
    const other = await replay("identity", "{ users(first: 50) { edges { node { id email } } } }");
    expect(other.status).toBe(401);
    const elsewhere = await replay("credential", "{ credentialSchemas { id } }");
    expect(elsewhere.status).toBe(401);
  });

  it("refuse an expired context and a GET, while health, readiness and metrics stay open", async () => {
    const body = JSON.stringify({ query: "{ __typename }" });
    const secret = gatewaySigningSecret(stack.config);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ roles: ["admin"], rid: "r", bh: bodyHash(body) })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("trustid-gateway")
      .setAudience("identity")
      .setSubject("admin")
      .setIssuedAt(now - 300)
      .setExpirationTime(now - 200)
      .sign(secret);
    const response = await fetch(stack.urls.identity!, {
      method: "POST",
      headers: { "content-type": "application/json", [GATEWAY_CONTEXT_HEADER]: expired },
      body,
    });
    expect(response.status).toBe(401);
    const signed = await signGatewayContext(secret, {
      audience: "identity",
      viewer: { subject: "a", roles: ["admin"] },
      requestId: "r",
      body: "",
    });
    const get = await fetch(`${stack.urls.identity}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { [GATEWAY_CONTEXT_HEADER]: signed, "apollo-require-preflight": "1" },
    });
    expect(get.status).toBe(401);
    for (const service of stack.services) {
      for (const path of ["/healthz", "/readyz", "/metrics"]) {
        expect((await fetch(new URL(path, service.url))).status, `${service.name} ${path}`).toBe(200);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------------------

describe("limits at the gateway", () => {
  const ingestCall = (n: number) =>
    `ingestVerifiedUsers(batch: [${JSON.stringify(person(`bomb-${n}`)).replace(/"(\w+)":/g, "$1:")}]) { received }`;

  async function expectRefused(
    query: string,
    code: string,
    status = 200,
    extraHeaders: Record<string, string> = {},
  ): Promise<GqlBody<unknown>> {
    const before = await counts();
    const requests = subgraphRequests();
    const response = await stack.gql(query, undefined, extraHeaders);
    expect(response.status).toBe(status);
    expect(codesOf(response.body)).toContain(code);
    expect(response.body.data ?? undefined).toBeUndefined();
    // Refused before planning: no subgraph saw the request, nothing was written.
    await new Promise((r) => setTimeout(r, 20));
    expect(subgraphRequests()).toBe(requests);
    expect(await counts()).toEqual(before);
    return response.body;
  }

  it("refuses a depth bomb", async () => {
    const nested = (depth: number): string =>
      depth === 0 ? "id" : `credentials { holder { ${nested(depth - 1)} } }`;
    const body = await expectRefused(`{ user(id: "${ids.u1}") { ${nested(6)} } }`, "QUERY_TOO_COMPLEX");
    expect(body.errors![0]!.message).toMatch(/depth limit of 10/);
  });

  it("refuses an alias bomb, on queries and on mutations", async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: credentialSchemas { id }`).join(" ");
    await expectRefused(`{ ${aliases} }`, "QUERY_TOO_COMPLEX");
    const writes = Array.from({ length: 16 }, (_, i) => `w${i}: ${ingestCall(i)}`).join(" ");
    await expectRefused(`mutation { ${writes} }`, "QUERY_TOO_COMPLEX");
  });

  it("refuses a token bomb while parsing", async () => {
    await expectRefused(`{ credentialSchemas { ${"id ".repeat(1200)} } }`, "QUERY_TOO_COMPLEX");
  });

  it("refuses a directive bomb", async () => {
    await expectRefused(
      `{ credentialSchemas { id ${"@include(if: true) ".repeat(11)} } }`,
      "QUERY_TOO_COMPLEX",
    );
  });

  it("refuses a query whose cost is over the limit", async () => {
    const wide = (depth: number): string =>
      depth === 0
        ? "id externalRef status verifiedAt createdAt updatedAt"
        : `credentials { id status issuedAt holder { id status ${wide(depth - 1)} } }`;
    const body = await expectRefused(
      `{ users(first: 500) { edges { node { ${wide(2)} } } } }`,
      "QUERY_TOO_COMPLEX",
    );
    expect(body.errors!.map((e) => e.message).join(" ")).toMatch(/cost/i);
  });

  it("refuses an oversized body with 413 BAD_USER_INPUT and writes nothing", async () => {
    const batch = Array.from({ length: 2000 }, (_, i) => person(`big-${i}`));
    const before = await counts();
    const response = await fetch(stack.gatewayUrl!, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await stack.as(["ingestor"])) },
      body: JSON.stringify({
        query: "mutation($b: [VerifiedUserInput!]!) { ingestVerifiedUsers(batch: $b) { received } }",
        variables: { b: batch },
      }),
    });
    expect(response.status).toBe(413);
    expect(codesOf((await response.json()) as GqlBody<unknown>)).toEqual(["BAD_USER_INPUT"]);
    expect(await counts()).toEqual(before);
  });

  it("refuses a batch of operations (GraphQL batching is off) and writes nothing", async () => {
    const before = await counts();
    const response = await fetch(stack.gatewayUrl!, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await stack.as(["ingestor"])) },
      body: JSON.stringify([
        { query: `mutation { ${ingestCall(1001)} }` },
        { query: `mutation { ${ingestCall(1002)} }` },
      ]),
    });
    expect(response.status).toBe(400);
    expect(codesOf((await response.json()) as GqlBody<unknown>)).toEqual(["BAD_USER_INPUT"]);
    expect(await counts()).toEqual(before);
  });

  it("prevents CSRF: a request a browser sends without preflight needs a custom header", async () => {
    const admin = await stack.as(["admin"]);
    const url = `${stack.gatewayUrl}?query=${encodeURIComponent("{ credentialSchemas { id } }")}`;
    const simple = await fetch(url, { headers: admin });
    expect(simple.status).toBe(403);
    expect(((await simple.json()) as GqlBody<unknown>).errors![0]!.extensions).toEqual({
      code: "FORBIDDEN",
      reason: "CSRF",
    });
    const form = await fetch(stack.gatewayUrl!, {
      method: "POST",
      headers: { "content-type": "text/plain", ...admin },
      body: JSON.stringify({ query: "{ credentialSchemas { id } }" }),
    });
    expect(form.status).toBe(403);
    const withHeader = await fetch(url, { headers: { ...admin, "x-trustid-csrf": "1" } });
    expect(withHeader.status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Production mode
// ---------------------------------------------------------------------------------------------------------

describe("a production stack", () => {
  let production: TestStack;
  const ISSUER = "https://idp.trustid.test/";
  const AUDIENCE = "trustid-production-test";
  let signWith: (roles: Role[], sub: string) => Promise<string>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    signWith = (roles, sub) =>
      new SignJWT({ roles })
        .setProtectedHeader({ alg: "ES256" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
    production = await startTestStack(
      {
        NODE_ENV: "production",
        TRUSTID_MASTER_KEY: randomBytes(32).toString("base64"),
        TRUSTID_JWT_PUBLIC_KEY: await exportSPKI(publicKey),
        TRUSTID_JWT_ISSUER: ISSUER,
        TRUSTID_JWT_AUDIENCE: AUDIENCE,
        TRUSTID_GATEWAY_SIGNING_SECRET: randomBytes(32).toString("base64url"),
        TRUSTID_RATE_LIMIT_REQUESTS: "5",
      },
      { signToken: (roles, options) => signWith(roles, options?.sub ?? `prod-${roles.join("+")}`) },
    );
  });
  afterAll(async () => {
    await production?.close();
  });

  it("serves a client whose token its identity provider signed", async () => {
    const { body } = await production.gql("{ credentialSchemas { id } }", undefined, {
      authorization: `Bearer ${await signWith(["auditor"], "prod-reader")}`,
    });
    expect(body).toEqual({ data: { credentialSchemas: [] } });
  });

  it("refuses development tokens", async () => {
    const devToken = await new SignJWT({ roles: ["admin"] })
      .setProtectedHeader({ alg: DEV_KEY_ALG })
      .setSubject("dev")
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(await devPrivateKey(stack.config));
    const response = await production.gql("{ credentialSchemas { id } }", undefined, {
      authorization: `Bearer ${devToken}`,
    });
    expect(response.status).toBe(401);
  });

  it("turns introspection and field suggestions off", async () => {
    const admin = { authorization: `Bearer ${await signWith(["admin"], "prod-admin")}` };
    for (const query of ["{ __schema { types { name } } }", '{ __type(name: "User") { fields { name } } }']) {
      const { body } = await production.gql(query, undefined, admin);
      expect(body.data ?? undefined).toBeUndefined();
      expect(body.errors!.length).toBeGreaterThan(0);
      expect(new Set(codesOf(body))).toEqual(new Set(["BAD_USER_INPUT"]));
      expect(body.errors![0]!.message).toMatch(/introspection has been disabled/);
    }
    const { body } = await production.gql("{ userz { id } }", undefined, admin);
    expect(codesOf(body)).toEqual(["BAD_USER_INPUT"]);
    expect(body.errors![0]!.message).not.toMatch(/Did you mean|users/);
    const graphiql = await fetch(production.gatewayUrl!, { headers: { accept: "text/html" } });
    expect(await graphiql.text()).not.toMatch(/<html/i);
  });

  it("answers an unreachable subgraph with an API.md code and no internals", async () => {
    const analytics = production.services.find((s) => s.name === "analytics")!;
    await analytics.stop();
    const { body } = await production.gql("{ analytics { k } }", undefined, {
      authorization: `Bearer ${await signWith(["analyst"], "prod-analyst")}`,
    });
    expect(codesOf(body)).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|analytics:|stack/i);
  });

  it("rate-limits each subject, with counters in PostgreSQL", async () => {
    const headers = { authorization: `Bearer ${await signWith(["auditor"], "prod-busy")}` };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await production.gql("{ credentialSchemas { id } }", undefined, headers)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await production.gql("{ credentialSchemas { id } }", undefined, headers);
    expect(codesOf(limited.body)).toEqual(["RATE_LIMITED"]);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another subject is not affected.
    const other = { authorization: `Bearer ${await signWith(["auditor"], "prod-quiet")}` };
    expect((await production.gql("{ credentialSchemas { id } }", undefined, other)).status).toBe(200);
    const client = new pg.Client({ connectionString: production.db.url });
    await client.connect();
    try {
      const { rows } = await client.query("select count(*)::int as n from gateway.rate_limits");
      expect(rows[0].n).toBeGreaterThanOrEqual(2);
      // Keys are hashes: no subject in clear.
      const keys = await client.query("select key from gateway.rate_limits");
      expect(keys.rows.map((r) => r.key).join(" ")).not.toContain("prod-busy");
    } finally {
      await client.end();
    }
  });
});
