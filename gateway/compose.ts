import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

export interface SubgraphSdl {
  name: string;
  url: string;
  sdl: string;
}

export class CompositionError extends Error {
  constructor(readonly problems: string[]) {
    super(`The subgraphs do not compose into a supergraph:\n  - ${problems.join("\n  - ")}`);
    this.name = "CompositionError";
  }
}

/** Apollo Federation 2 composition. A failure names every problem, with the subgraph it comes from. */
export function composeSupergraph(subgraphs: readonly SubgraphSdl[]): string {
  const problems: string[] = [];
  const services = subgraphs.map((s) => {
    try {
      return { name: s.name, url: s.url, typeDefs: parse(s.sdl) };
    } catch (error) {
      problems.push(`${s.name}: SDL does not parse: ${(error as Error).message}`);
      return null;
    }
  });
  if (problems.length > 0) throw new CompositionError(problems);
  const result = composeServices(services.filter((s) => s !== null));
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return result.supergraphSdl;
}
