import { type GraphQLResolveInfo, Kind, type SelectionNode, valueFromASTUntyped } from "graphql";
import { allow, chain, deny, or, rule } from "graphql-shield";
import type { RequestContext, Role } from "../context.js";
import { ForbiddenError } from "../errors.js";

/** A rule or a combination of rules (the package exports no name for the union). */
export type ShieldRule = Parameters<typeof or>[number];
export { allow, deny };

/**
 * The building blocks of every subgraph's `permissions.ts`. Rules that look only at the viewer are cached per
 * request ("contextual"); rules that look at where a field sits in the operation are not cached, and none
 * uses the "strict" cache, which hashes the parent object (an ORM entity here: slow and not meaningful).
 */

export const isAuthenticated: ShieldRule = rule("isAuthenticated", { cache: "contextual" })(
  (_parent, _args, ctx: RequestContext) => ctx.viewer !== null,
);

const roleRules = new Map<string, ShieldRule>();

/** Any of `roles`. Memoised by role set: shield caches a contextual rule's result under its name. */
export function hasRole(...roles: Role[]): ShieldRule {
  const key = [...new Set(roles)].sort().join(",");
  let existing = roleRules.get(key);
  if (!existing) {
    existing = rule(`hasRole(${key})`, { cache: "contextual" })((_parent, _args, ctx: RequestContext) =>
      ctx.hasRole(...roles),
    );
    roleRules.set(key, existing);
  }
  return existing;
}

/**
 * Support reads personal data of one person per request. In a subgraph that means: the operation has exactly
 * one root field, and it either looks up one person (`singleLookups`: `user(id)`, `credential(id)`, ...) or is
 * `_entities` with representations of one entity (the gateway resolving one user's fields, or one user's
 * credentials). Anything that fans out, a `users` page, several aliased look-ups, `_entities` over many users,
 * is refused with FORBIDDEN / ONE_PERSON_AT_A_TIME; the non-personal fields of the same query still resolve.
 */
export function onePersonAtATime(singleLookups: readonly string[]): ShieldRule {
  return rule(`onePersonAtATime(${singleLookups.join(",")})`, { cache: "no_cache" })(
    (_parent, _args, _ctx, info: GraphQLResolveInfo) =>
      reachesOnePerson(info, singleLookups) ||
      new ForbiddenError("Personal data can be read one person at a time", "ONE_PERSON_AT_A_TIME"),
  );
}

function reachesOnePerson(info: GraphQLResolveInfo, singleLookups: readonly string[]): boolean {
  const roots = rootFields(info.operation.selectionSet.selections);
  if (roots === null || roots.length !== 1) return false;
  const root = roots[0]!;
  if (singleLookups.includes(root.name.value)) return true;
  if (root.name.value !== "_entities") return false;
  const argument = root.arguments?.find((a) => a.name.value === "representations");
  const representations = argument ? valueFromASTUntyped(argument.value, info.variableValues) : null;
  if (!Array.isArray(representations)) return false;
  // The gateway may send the same entity twice (two credentials of one holder): count distinct entities.
  return new Set(representations.map((r) => JSON.stringify(r))).size === 1;
}

/** The root fields other than `__typename`; null when the root uses fragments (never the gateway's shape). */
function rootFields(selections: readonly SelectionNode[]) {
  const fields = [];
  for (const selection of selections) {
    if (selection.kind !== Kind.FIELD) return null;
    if (selection.name.value !== "__typename") fields.push(selection);
  }
  return fields;
}

/**
 * Personal data (API.md): admin always; support one person at a time; nobody else, whatever else they may
 * read of the same object.
 */
export function personalData(singleLookups: readonly string[]): ShieldRule {
  return or(hasRole("admin"), chain(hasRole("support"), onePersonAtATime(singleLookups)));
}

/** The same rule for several fields of a type: `{ ...fields(["id", "status"], hasRole("admin")) }`. */
export function fields(names: readonly string[], ruleForAll: ShieldRule): Record<string, ShieldRule> {
  return Object.fromEntries(names.map((name) => [name, ruleForAll]));
}
