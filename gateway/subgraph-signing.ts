import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { GATEWAY_CONTEXT_HEADER, signGatewayContext } from "../shared/auth/gateway-context.js";
import type { Viewer } from "../shared/context.js";
import type { SubgraphEndpoint } from "./subgraph-sdl.js";

/** What the gateway's HTTP front puts in the server context of every request (see admission.ts). */
export interface AdmittedRequest {
  viewer: Viewer | null;
  requestId: string;
}

/**
 * Signs every request the gateway sends to a subgraph (see shared/auth/gateway-context.ts). `onFetch` is the
 * one hook that sees the exact body that goes on the wire, which the signature must cover; header
 * propagation hooks do not. A fetch to a URL that is not a known subgraph is left unsigned, so a subgraph
 * behind an unexpected URL refuses it rather than the gateway signing for anyone.
 */
export function useSubgraphSigning(
  secret: Uint8Array,
  subgraphs: readonly SubgraphEndpoint[],
): GatewayPlugin {
  const audienceByUrl = new Map(subgraphs.map((s) => [s.url, s.name]));
  return {
    async onFetch({ url, options, setOptions, context }) {
      const audience = audienceByUrl.get(url);
      if (!audience) return;
      const admitted = context as Partial<AdmittedRequest>;
      const token = await signGatewayContext(secret, {
        audience,
        viewer: admitted.viewer ?? null,
        requestId: admitted.requestId ?? "",
        // transport-http sends the GraphQL request as a JSON string; anything else hashes as empty and the
        // subgraph refuses it (fail closed) instead of trusting an unsigned body.
        body: typeof options.body === "string" ? options.body : "",
      });
      setOptions({
        ...options,
        headers: { ...headersRecord(options.headers), [GATEWAY_CONTEXT_HEADER]: token },
      });
    },
  };
}

function headersRecord(headers: unknown): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers as [string, string][]);
  return { ...(headers as Record<string, string>) };
}
