import { blockFieldSuggestionsPlugin } from "@escape.tech/graphql-armor-block-field-suggestions";
import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { GraphQLError, type ValidationContext } from "graphql";
import type { Config } from "../shared/config.js";

/**
 * graphql-armor's limits, checked by the gateway before any planning or subgraph call: tokens while parsing
 * (a token bomb never becomes a document), then depth, aliases, directives and cost as validation rules. A
 * violation is QUERY_TOO_COMPLEX (API.md), with the limit named so a legitimate client can fix its query.
 */
export function limitPlugins(config: Config) {
  const { limits } = config;
  const callbacks = { onReject: [rejectAsTooComplex], propagateOnRejection: false };
  return [
    maxTokensPlugin({ n: limits.maxTokens, ...callbacks }),
    // Introspection is counted too: in production it is off, in development GraphiQL's query fits.
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...callbacks }),
    maxAliasesPlugin({ n: limits.maxAliases, ...callbacks }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...callbacks }),
    costLimitPlugin({ maxCost: limits.maxCost, ...callbacks }),
    // "Did you mean …?" would let anyone map a schema whose introspection is off.
    ...(config.production ? [blockFieldSuggestionsPlugin()] : []),
  ];
}

/**
 * graphql-armor reports its violations as "Syntax Error: …" without a code. Validation rules get a context to
 * report into (all problems listed together); the token limit runs inside the parser, which has none, so
 * there the coded error is thrown and ends parsing.
 */
function rejectAsTooComplex(context: ValidationContext | null, error: GraphQLError): void {
  const coded = new GraphQLError(error.message.replace(/^Syntax Error: /, ""), {
    extensions: { code: "QUERY_TOO_COMPLEX" },
  });
  if (context) context.reportError(coded);
  else throw coded;
}
