import { readFileSync, writeFileSync } from "node:fs";
import { printSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLSchema } from "graphql";
import { composeSupergraph } from "../../gateway/compose.js";
import { loadConfig, SUBGRAPH_NAMES, type SubgraphName } from "../../shared/config.js";
import { createLogger } from "../../shared/logger.js";
import { SUBGRAPHS } from "../stack.js";

export const SUPERGRAPH_FILE = "supergraph.graphql";

/**
 * Every subgraph's schema, built without a database or keyring (neither is touched while building) and without
 * ingest worker threads: for composing the SDL and for tests that walk the schemas.
 */
export async function buildSchemasOnly(
  env: Record<string, string> = { NODE_ENV: "development" },
): Promise<Record<SubgraphName, GraphQLSchema>> {
  const config = loadConfig({ ...env, TRUSTID_INGEST_WORKERS: "0" });
  const logger = createLogger({ level: "silent" });
  const built = await Promise.all(
    SUBGRAPH_NAMES.map(
      async (name) =>
        [
          name,
          await SUBGRAPHS[name].buildSchema({
            config,
            logger,
            orm: undefined as never,
            keyring: undefined as never,
            databaseUrl: "",
            onStop: () => {},
          }),
        ] as const,
    ),
  );
  return Object.fromEntries(built) as Record<SubgraphName, GraphQLSchema>;
}

/**
 * The supergraph as composed from the subgraphs' current code, with the default local URLs: the committed
 * `supergraph.graphql` is this, byte for byte (a test checks it).
 */
export async function currentSupergraph(): Promise<string> {
  const config = loadConfig({ NODE_ENV: "development" });
  const schemas = await buildSchemasOnly();
  const sdl = SUBGRAPH_NAMES.map((name) => ({
    name,
    url: config.subgraphUrls[name],
    sdl: printSubgraphSchema(schemas[name]),
  }));
  return `${composeSupergraph(sdl).trim()}\n`;
}

export async function writeSupergraph(check: boolean): Promise<boolean> {
  const current = await currentSupergraph();
  if (check) {
    let committed = "";
    try {
      committed = readFileSync(SUPERGRAPH_FILE, "utf8");
    } catch {}
    return committed === current;
  }
  writeFileSync(SUPERGRAPH_FILE, current);
  return true;
}
