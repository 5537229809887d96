import { setTimeout as sleep } from "node:timers/promises";
import type { SubgraphSdl } from "./compose.js";

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** Headers that let `endpoint` accept this exact body (the gateway's signed context). */
export type SignRequest = (endpoint: SubgraphEndpoint, body: string) => Promise<Record<string, string>>;

/**
 * Reads each subgraph's SDL (`{ _service { sdl } }`), retrying until `deadlineMs`: in a container platform the
 * gateway routinely starts before its subgraphs are ready. Subgraphs answer only signed requests, this one
 * included.
 */
export async function fetchSubgraphSdl(
  endpoints: readonly SubgraphEndpoint[],
  sign: SignRequest,
  deadlineMs = 60_000,
): Promise<SubgraphSdl[]> {
  const until = Date.now() + deadlineMs;
  return Promise.all(
    endpoints.map(async (endpoint) => {
      let lastError = "";
      while (Date.now() < until) {
        try {
          const body = JSON.stringify({ query: "{ _service { sdl } }" });
          const response = await fetch(endpoint.url, {
            method: "POST",
            headers: { "content-type": "application/json", ...(await sign(endpoint, body)) },
            body,
            signal: AbortSignal.timeout(5000),
          });
          const payload = (await response.json()) as {
            data?: { _service?: { sdl?: string } };
            errors?: unknown;
          };
          const sdl = payload.data?._service?.sdl;
          if (response.ok && sdl) return { name: endpoint.name, url: endpoint.url, sdl };
          lastError = `HTTP ${response.status}`;
        } catch (error) {
          lastError = (error as Error).message;
        }
        await sleep(250);
      }
      throw new Error(`subgraph ${endpoint.name} at ${endpoint.url} did not serve its SDL (${lastError})`);
    }),
  );
}
