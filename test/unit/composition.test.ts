import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CompositionError, composeSupergraph } from "../../gateway/compose.js";
import { currentSupergraph, SUPERGRAPH_FILE } from "../../scripts/commands/supergraph.js";

describe("supergraph", () => {
  it("the committed supergraph.graphql is what the subgraphs compose to today", async () => {
    const committed = readFileSync(SUPERGRAPH_FILE, "utf8");
    // On failure: `npm run trustid -- supergraph` regenerates it.
    expect(committed).toBe(await currentSupergraph());
  });

  it("a composition error names every problem and its subgraph", () => {
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
    const attempt = () =>
      composeSupergraph([
        {
          name: "a",
          url: "http://a",
          sdl: `${link}\ntype Query { thing: Thing } type Thing { id: ID! size: Int }`,
        },
        {
          name: "b",
          url: "http://b",
          sdl: `${link}\ntype Query { other: Thing } type Thing { id: ID! size: String }`,
        },
        { name: "c", url: "http://c", sdl: "type Query {" },
      ]);
    expect(attempt).toThrow(CompositionError);
    try {
      attempt();
    } catch (error) {
      expect((error as CompositionError).problems[0]).toMatch(/^c: SDL does not parse/);
    }
    const typeClash = () =>
      composeSupergraph([
        {
          name: "a",
          url: "http://a",
          sdl: `${link}\ntype Query { thing: Thing } type Thing { id: ID! size: Int }`,
        },
        {
          name: "b",
          url: "http://b",
          sdl: `${link}\ntype Query { other: Thing } type Thing { id: ID! size: String }`,
        },
      ]);
    expect(typeClash).toThrow(/Thing\.size/);
  });
});
