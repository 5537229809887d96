import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import { Logger as HiveLogger } from "@graphql-hive/logger";
import { PinoLogWriter } from "@graphql-hive/logger/writers/pino";
import { unifiedGraphHandler } from "@graphql-hive/router-runtime";
import {
  GATEWAY_CONTEXT_HEADER,
  gatewaySigningSecret,
  signGatewayContext,
} from "../shared/auth/gateway-context.js";
import { createTokenVerifier } from "../shared/auth/token-verifier.js";
import type { Config } from "../shared/config.js";
import type { Logger } from "../shared/logger.js";
import { closeGracefully, createServiceHttpServer, json, listen } from "../shared/service/http-server.js";
import { createServiceMetrics } from "../shared/service/metrics.js";
import type { RunningService } from "../shared/service/subgraph-service.js";
import { createAdmission } from "./admission.js";
import { composeSupergraph } from "./compose.js";
import { maskUnexpectedError, useApiErrors } from "./errors.js";
import { limitPlugins } from "./limits.js";
import { createRateLimiter } from "./rate-limit.js";
import { fetchSubgraphSdl, type SubgraphEndpoint } from "./subgraph-sdl.js";
import { useSubgraphSigning } from "./subgraph-signing.js";

export interface StartGatewayOptions {
  config: Config;
  logger: Logger;
  port: number;
  subgraphs: SubgraphEndpoint[];
  /** How long to wait for subgraphs to serve their SDL. */
  sdlDeadlineMs?: number;
  /** Where the rate-limit counters live; without it (development only) they are per process. */
  databaseUrl?: string;
  /**
   * Benchmarks only (the cost of authorization is measured against it): tokens are ignored and subgraph
   * requests go unsigned, to subgraphs started unprotected too. Not reachable from configuration, and
   * refused in production.
   */
  unprotected?: boolean;
}

/** Clients must send one of these on requests a browser would send without a CORS preflight. */
export const CSRF_HEADERS = ["x-trustid-csrf", "apollo-require-preflight"];

/**
 * The one public entry point: Hive Gateway runtime over the supergraph composed at start-up from the
 * subgraphs' own SDL. A composition error stops the start with every problem listed.
 *
 * In front of the runtime (admission.ts): body size, the client's token, the rate limit. Inside it: the
 * document limits (limits.ts), CSRF prevention, introspection and suggestions off in production, API.md's
 * error codes (errors.ts), and a signed context on every subgraph request (subgraph-signing.ts).
 */
export async function startGateway(
  options: StartGatewayOptions,
): Promise<RunningService & { supergraph: string }> {
  const { config } = options;
  const logger = options.logger.child({ service: "gateway" });
  if (options.unprotected && config.production)
    throw new Error("an unprotected gateway is refused in production");
  const secret = options.unprotected ? null : gatewaySigningSecret(config);
  // The gateway reads the SDL as itself: a subject with no role, which `_service` (and nothing else) allows.
  const signSdlRequest = async (endpoint: SubgraphEndpoint, body: string): Promise<Record<string, string>> =>
    secret
      ? {
          [GATEWAY_CONTEXT_HEADER]: await signGatewayContext(secret, {
            audience: endpoint.name,
            viewer: { subject: "trustid-gateway", roles: [] },
            requestId: "gateway-start",
            body,
          }),
        }
      : {};
  const sdl = await fetchSubgraphSdl(options.subgraphs, signSdlRequest, options.sdlDeadlineMs);
  const supergraph = composeSupergraph(sdl);
  logger.info({ subgraphs: sdl.map((s) => s.name) }, "supergraph composed");

  const verifier = options.unprotected ? null : await createTokenVerifier(config);
  const rateLimiter = await createRateLimiter({ config, logger, databaseUrl: options.databaseUrl });
  const admit = createAdmission({ logger, maxBodyBytes: config.maxBodyBytes, verifier, rateLimiter });

  const metrics = createServiceMetrics("gateway");
  const runtime = createGatewayRuntime({
    supergraph,
    // The Rust query planner (linux-x64 binary shipped in the npm package): plans federated queries faster than
    // the JavaScript planner; see the gateway benchmark.
    unifiedGraphHandler,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: !config.production,
    logging: new HiveLogger({ level: "warn", writers: [new PinoLogWriter(logger)] }),
    // Production masks what the gateway did not expect (INTERNAL, or SERVICE_UNAVAILABLE for a subgraph that
    // cannot be reached); the subgraphs' own errors already carry safe codes and messages (format-error.ts).
    maskedErrors: config.production ? { maskError: maskUnexpectedError(logger) } : false,
    requestId: { headerName: "x-request-id" },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({
        "x-request-id": request.headers.get("x-request-id") ?? undefined,
      }),
    },
    upstreamTimeout: 30_000,
    // One operation per HTTP request: a batch would multiply the work behind one rate-limit point.
    batching: false,
    csrfPrevention: { requestHeaders: CSRF_HEADERS },
    disableIntrospection: config.production ? {} : undefined,
    plugins: () => [
      ...limitPlugins(config),
      useApiErrors({ production: config.production, logger }),
      ...(secret ? [useSubgraphSigning(secret, options.subgraphs)] : []),
    ],
  });

  const server = createServiceHttpServer({
    name: "gateway",
    logger,
    metrics,
    readiness: {
      subgraphs: async () => {
        const down: string[] = [];
        await Promise.all(
          options.subgraphs.map(async (s) => {
            const r = await fetch(new URL("/readyz", s.url), { signal: AbortSignal.timeout(2000) }).catch(
              () => null,
            );
            if (!r?.ok) down.push(s.name);
          }),
        );
        if (down.length > 0) throw new Error(`not ready: ${down.join(", ")}`);
      },
    },
    handler: async (req, res, requestId) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path !== "/graphql") return json(res, 404, { error: "not found" });
      req.headers["x-request-id"] = requestId;
      const admitted = await admit(req, res, requestId);
      if (!admitted) return;
      // The third argument becomes the server context: the viewer reaches the signing plugin through it.
      await runtime(req, res, admitted);
    },
  });
  const port = await listen(server, options.port, config.host).catch(async (error) => {
    await runtime.dispose();
    await rateLimiter.close();
    throw error;
  });
  logger.info({ port }, "gateway listening");
  return {
    name: "gateway",
    port,
    url: `http://${config.host}:${port}/graphql`,
    server,
    supergraph,
    stop: async () => {
      await closeGracefully(server, config.shutdownGraceMs);
      await runtime.dispose();
      await rateLimiter.close();
    },
  };
}
