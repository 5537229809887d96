import { buildSchema, type GraphQLSchema, isNonNullType, isObjectType } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { buildSchemasOnly } from "../../../scripts/commands/supergraph.js";
import { SUBGRAPHS } from "../../../scripts/stack.js";
import { SUBGRAPH_NAMES, type SubgraphName } from "../../../shared/config.js";
import { applyPermissions, fieldsWithoutRule } from "../../../shared/security/permissions.js";
import { allow, hasRole } from "../../../shared/security/rules.js";

/** The fields API.md calls personal data, wherever a subgraph serves them. */
const PERSONAL_FIELDS = [
  "User.firstName",
  "User.lastName",
  "User.email",
  "User.phoneNumber",
  "User.dateOfBirth",
  "Credential.claims",
];

let schemas = {} as Record<SubgraphName, GraphQLSchema>;

beforeAll(async () => {
  schemas = await buildSchemasOnly({ NODE_ENV: "test" });
});

describe("permissions", () => {
  it.each(SUBGRAPH_NAMES)("every field of the %s subgraph has an explicit rule", (name) => {
    // A field added without a rule is denied to everyone at run time; this makes it a failing build instead.
    expect(fieldsWithoutRule(schemas[name], SUBGRAPHS[name].permissions)).toEqual([]);
  });

  it("walks every object type, Query, Mutation and Subscription included", () => {
    const schema = buildSchema(`
      type Query { a: Int, b: Thing }
      type Mutation { m: Int }
      type Subscription { s: Int }
      type Thing { x: Int, y: Int }
    `);
    expect(fieldsWithoutRule(schema, { Query: { a: allow }, Thing: { x: allow } })).toEqual([
      "Mutation.m",
      "Query.b",
      "Subscription.s",
      "Thing.y",
    ]);
  });

  it.each(SUBGRAPH_NAMES)("the %s subgraph's rules apply to its schema", (name) => {
    expect(() => applyPermissions(schemas[name], SUBGRAPHS[name].permissions)).not.toThrow();
  });

  it("ignores rules for types and fields a schema does not have yet (API.md names ahead of their resolvers)", () => {
    const schema = buildSchema("type Query { a: Int }");
    expect(() =>
      applyPermissions(schema, {
        Query: { a: allow, notYet: hasRole("admin") },
        NotYetAType: { field: allow },
      }),
    ).not.toThrow();
  });

  it("keeps every personal-data field nullable, so a denial cannot null its parent", () => {
    for (const name of SUBGRAPH_NAMES) {
      for (const path of PERSONAL_FIELDS) {
        const [typeName, fieldName] = path.split(".") as [string, string];
        const type = schemas[name].getType(typeName);
        const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
        if (field) expect(isNonNullType(field.type), `${name}: ${path}`).toBe(false);
      }
    }
  });
});
