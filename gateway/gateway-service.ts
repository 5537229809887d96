import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import { Logger as HiveLogger } from "@graphql-hive/logger";
import { PinoLogWriter } from "@graphql-hive/logger/writers/pino";
import type { Config } from "../shared/config.js";
import type { Logger } from "../shared/logger.js";
import { closeGracefully, createServiceHttpServer, listen } from "../shared/service/http-server.js";
import { createServiceMetrics } from "../shared/service/metrics.js";
import type { RunningService } from "../shared/service/subgraph-service.js";
import { composeSupergraph } from "./compose.js";
import { fetchSubgraphSdl, type SubgraphEndpoint } from "./subgraph-sdl.js";

export interface StartGatewayOptions {
  config: Config;
  logger: Logger;
  port: number;
  subgraphs: SubgraphEndpoint[];
  /** How long to wait for subgraphs to serve their SDL. */
  sdlDeadlineMs?: number;
}

/**
 * The one public entry point: Hive Gateway runtime over the supergraph composed at start-up from the
 * subgraphs' own SDL. A composition error stops the start with every problem listed.
 */
export async function startGateway(
  options: StartGatewayOptions,
): Promise<RunningService & { supergraph: string }> {
  const { config } = options;
  const logger = options.logger.child({ service: "gateway" });
  const sdl = await fetchSubgraphSdl(options.subgraphs, () => ({}), options.sdlDeadlineMs);
  const supergraph = composeSupergraph(sdl);
  logger.info({ subgraphs: sdl.map((s) => s.name) }, "supergraph composed");

  const metrics = createServiceMetrics("gateway");
  const runtime = createGatewayRuntime({
    supergraph,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: !config.production,
    logging: new HiveLogger({ level: "warn", writers: [new PinoLogWriter(logger)] }),
    // The subgraphs' own codes and messages are already safe for clients (see formatError); production masks
    // anything the gateway itself did not expect.
    maskedErrors: config.production,
    requestId: { headerName: "x-request-id" },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({
        "x-request-id": request.headers.get("x-request-id") ?? undefined,
      }),
    },
    upstreamTimeout: 30_000,
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
      req.headers["x-request-id"] = requestId;
      await runtime(req, res);
    },
  });
  const port = await listen(server, options.port, config.host);
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
    },
  };
}
