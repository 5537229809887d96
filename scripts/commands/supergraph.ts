import { readFileSync, writeFileSync } from "node:fs";
import { printSubgraphSchema } from "@apollo/subgraph";
import { composeSupergraph } from "../../gateway/compose.js";
import { loadConfig, SUBGRAPH_NAMES } from "../../shared/config.js";
import { createLogger } from "../../shared/logger.js";
import { SUBGRAPHS } from "../stack.js";

export const SUPERGRAPH_FILE = "supergraph.graphql";

/**
 * The supergraph as composed from the subgraphs' current code, with the default local URLs: the committed
 * `supergraph.graphql` is this, byte for byte (a test checks it). It builds schemas only: no database.
 */
export async function currentSupergraph(): Promise<string> {
  const config = loadConfig({ NODE_ENV: "development" });
  const logger = createLogger({ level: "silent" });
  const sdl = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      // Building a schema touches neither the database nor the keyring: the SDL is all that is read here.
      const schema = await SUBGRAPHS[name].buildSchema({
        config,
        logger,
        orm: undefined as never,
        keyring: undefined as never,
      });
      return { name, url: config.subgraphUrls[name], sdl: printSubgraphSchema(schema) };
    }),
  );
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
