import { type GraphQLSchema, isIntrospectionType, isObjectType } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { deny, shield } from "graphql-shield";
import type { RequestContext } from "../context.js";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import { allow, type ShieldRule } from "./rules.js";

/** `Type → field → rule`: every field of every object type of a subgraph, explicitly (no wildcards). */
export type PermissionMap = Record<string, Record<string, ShieldRule>>;

/**
 * Federation's own entry points, allowed for every caller the gateway vouches for: the gateway reads the SDL
 * through `_service` and resolves entities through `_entities`. What `_entities` returns stays guarded, field
 * by field, by the entity types' own rules.
 */
export const FEDERATION_PERMISSIONS: PermissionMap = {
  Query: { _service: allow, _entities: allow },
  _Service: { sdl: allow },
};

/**
 * graphql-shield over a built subgraph schema, deny by default. Rules for types or fields the schema does not
 * have (yet) are dropped rather than refused: a permissions file may name API.md's fields before the resolvers
 * that serve them exist. The reverse, a field without a rule, is what `fieldsWithoutRule` reports (and a test
 * fails on): such a field is denied at run time by the fallback rule.
 */
export function applyPermissions(schema: GraphQLSchema, permissions: PermissionMap): GraphQLSchema {
  const rules = presentIn(schema, withFederation(permissions));
  return applyMiddleware(
    schema,
    shield(rules, {
      fallbackRule: deny,
      // Domain errors thrown by resolvers (NOT_FOUND, BAD_USER_INPUT, ...) keep their code; without this
      // every one of them would become the fallback error.
      allowExternalErrors: true,
      fallbackError: (_error, _parent, _args, ctx) =>
        (ctx as unknown as RequestContext | undefined)?.viewer
          ? new ForbiddenError("Not allowed for your role")
          : new UnauthenticatedError("Authentication required"),
    }),
  );
}

/** `Type.field` for every field of every object type that has no explicit rule. */
export function fieldsWithoutRule(schema: GraphQLSchema, permissions: PermissionMap): string[] {
  const rules = withFederation(permissions);
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.keys(type.getFields())) {
      if (!rules[type.name]?.[field]) missing.push(`${type.name}.${field}`);
    }
  }
  return missing.sort();
}

function withFederation(permissions: PermissionMap): PermissionMap {
  const merged: PermissionMap = { ...permissions };
  for (const [type, fields] of Object.entries(FEDERATION_PERMISSIONS)) {
    merged[type] = { ...merged[type], ...fields };
  }
  return merged;
}

function presentIn(schema: GraphQLSchema, permissions: PermissionMap): PermissionMap {
  const present: PermissionMap = {};
  for (const [typeName, fields] of Object.entries(permissions)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const known = type.getFields();
    present[typeName] = Object.fromEntries(Object.entries(fields).filter(([field]) => field in known));
  }
  return present;
}
