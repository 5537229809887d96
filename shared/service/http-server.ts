import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import { METRICS_CONTENT_TYPE, type ServiceMetrics } from "./metrics.js";

export type ReadinessCheck = () => Promise<void>;
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
) => Promise<void> | void;

export interface ServiceHttpOptions {
  name: string;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Each check throws with a short, non-sensitive message when not ready. */
  readiness: Record<string, ReadinessCheck>;
  /** Serves everything that is not /healthz, /readyz or /metrics. */
  handler: RequestHandler;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request id travels gateway → subgraphs in `x-request-id`; anything malformed is replaced. */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers["x-request-id"];
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * The HTTP surface every service shares: liveness, readiness, metrics and the service's own handler, with
 * request ids, access metrics and a graceful close (stop accepting, let in-flight requests finish).
 */
export function createServiceHttpServer(options: ServiceHttpOptions): Server {
  const { logger, metrics } = options;
  const server = createServer(async (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.setHeader("x-request-id", requestId);
    const route = (req.url ?? "/").split("?")[0] ?? "/";
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const known = ["/graphql", "/healthz", "/readyz", "/metrics"].includes(route) ? route : "other";
      metrics.httpDuration.observe(
        { route: known, method: req.method ?? "?", status: String(res.statusCode) },
        seconds,
      );
      // Probes and scrapes would drown the access log; they are counted in the metrics above.
      if (known === "/graphql" || known === "other") {
        const ms = Math.round(seconds * 1e4) / 10;
        logger.info({ requestId, method: req.method, route: known, status: res.statusCode, ms }, "request");
      }
    });
    try {
      if (req.method === "GET" && route === "/healthz") {
        return json(res, 200, { status: "ok", service: options.name });
      }
      if (req.method === "GET" && route === "/readyz") {
        const checks: Record<string, string> = {};
        let ready = true;
        for (const [name, check] of Object.entries(options.readiness)) {
          try {
            await check();
            checks[name] = "ok";
          } catch (error) {
            ready = false;
            checks[name] = error instanceof Error ? error.message : "failed";
          }
        }
        return json(res, ready ? 200 : 503, {
          status: ready ? "ready" : "not ready",
          service: options.name,
          checks,
        });
      }
      if (req.method === "GET" && route === "/metrics") {
        res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE });
        return void res.end(await metrics.render());
      }
      await options.handler(req, res, requestId);
    } catch (error) {
      logger.error({ err: error, requestId }, "unhandled error in HTTP handler");
      if (!res.headersSent)
        json(res, 500, { errors: [{ message: "Internal error", extensions: { code: "INTERNAL" } }] });
      else res.end();
    }
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  return server;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** Stops accepting, closes idle keep-alive sockets, waits for in-flight requests up to `graceMs`. */
export function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, graceMs);
    timer.unref();
    // A keep-alive connection turns idle when its in-flight request ends: close those as they appear.
    const sweeper = setInterval(() => server.closeIdleConnections(), 25);
    sweeper.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweeper);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Reads a request body up to `limit` bytes; beyond it, rejects with a 413-worthy error. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new PayloadTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export class PayloadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body larger than ${limit} bytes`);
  }
}
