import { type GraphQLResolveInfo, type OperationDefinitionNode, parse } from "graphql";
import { deny } from "graphql-shield";
import { describe, expect, it } from "vitest";
import { SUBGRAPHS } from "../../../scripts/stack.js";
import { SUBGRAPH_NAMES } from "../../../shared/config.js";
import { RequestContext, type Role } from "../../../shared/context.js";
import { createLogger } from "../../../shared/logger.js";
import { hasRole, onePersonAtATime, type ShieldRule } from "../../../shared/security/rules.js";
import { CALLERS, type Caller, EXPECTED, mayRead } from "./expected-access.js";

const logger = createLogger({ level: "silent" });
const OPTIONS = {
  debug: false,
  allowExternalErrors: true,
  fallbackRule: deny,
  fallbackError: new Error("denied"),
  hashFunction: () => "",
};

function contextFor(caller: Caller) {
  const viewer = caller === "anonymous" ? null : { subject: `unit-${caller}`, roles: [caller as Role] };
  // shield keeps its per-request rule cache on the context.
  return Object.assign(new RequestContext("unit", viewer, undefined as never, logger), {
    _shield: { cache: {} },
  });
}

function infoFor(query: string, variableValues: Record<string, unknown> = {}): GraphQLResolveInfo {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  return { operation, variableValues } as unknown as GraphQLResolveInfo;
}

/** The gateway resolving one entity: the one shape in which support's personal-data rule allows, everywhere. */
const ONE_ENTITY = infoFor("query($r: [_Any!]!) { _entities(representations: $r) { __typename } }", {
  r: [{ __typename: "User", id: "1" }],
});

async function evaluate(rule: ShieldRule, caller: Caller, info = ONE_ENTITY) {
  return (rule as { resolve: (...args: unknown[]) => Promise<unknown> }).resolve(
    {},
    {},
    contextFor(caller),
    info,
    OPTIONS,
  );
}

describe("the permission maps' rules against API.md's roles", () => {
  it("every rule of every subgraph, served yet or not, subscriptions included, gives exactly the expected roles", async () => {
    const mismatches: string[] = [];
    for (const name of SUBGRAPH_NAMES) {
      for (const [type, fields] of Object.entries(SUBGRAPHS[name].permissions)) {
        for (const [field, rule] of Object.entries(fields)) {
          const coordinate = `${type}.${field}`;
          if (!EXPECTED[coordinate]) {
            mismatches.push(`${name}: ${coordinate} has no line in expected-access.ts`);
            continue;
          }
          for (const caller of CALLERS) {
            const allowed = (await evaluate(rule, caller)) === true;
            if (allowed !== mayRead(caller, [coordinate])) {
              mismatches.push(`${name}: ${coordinate} ${allowed ? "allows" : "denies"} ${caller}`);
            }
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe("one person at a time", () => {
  const rule = onePersonAtATime(["user", "userByEmail"]);
  const outcome = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await evaluate(rule, "support", infoFor(query, variables));
    return result === true ? "allowed" : (result as { reason?: string }).reason;
  };

  it("allows a single look-up, or _entities for one entity even when the gateway repeats it", async () => {
    expect(await outcome('{ user(id: "1") { email } }')).toBe("allowed");
    expect(await outcome('{ __typename userByEmail(email: "a@b.c") { email } }')).toBe("allowed");
    const entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { email } } }";
    const same = { __typename: "User", id: "1" };
    expect(await outcome(entities, { r: [same, { ...same }] })).toBe("allowed");
  });

  it("refuses lists, several look-ups, _entities over several entities, and root fragments", async () => {
    const entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { email } } }";
    expect({
      list: await outcome("{ users { edges { node { email } } } }"),
      twoLookups: await outcome('{ a: user(id: "1") { email } b: user(id: "2") { email } }'),
      twoEntities: await outcome(entities, {
        r: [
          { __typename: "User", id: "1" },
          { __typename: "User", id: "2" },
        ],
      }),
      inlineEntities: await outcome(
        '{ _entities(representations: [{ __typename: "User", id: "1" }, { __typename: "User", id: "2" }]) { __typename } }',
      ),
      rootFragment: await outcome('{ ... on Query { user(id: "1") { email } } }'),
    }).toEqual({
      list: "ONE_PERSON_AT_A_TIME",
      twoLookups: "ONE_PERSON_AT_A_TIME",
      twoEntities: "ONE_PERSON_AT_A_TIME",
      inlineEntities: "ONE_PERSON_AT_A_TIME",
      rootFragment: "ONE_PERSON_AT_A_TIME",
    });
  });

  it("memoises role rules so shield's per-request cache is shared", () => {
    expect(hasRole("support", "admin")).toBe(hasRole("admin", "support"));
  });
});
