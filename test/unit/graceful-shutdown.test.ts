import { describe, expect, it } from "vitest";
import { createLogger } from "../../shared/logger.js";
import { closeGracefully, createServiceHttpServer, listen } from "../../shared/service/http-server.js";
import { createServiceMetrics } from "../../shared/service/metrics.js";

describe("graceful shutdown", () => {
  it("lets in-flight requests finish, then refuses new connections", async () => {
    const server = createServiceHttpServer({
      name: "slow",
      logger: createLogger({ level: "silent" }),
      metrics: createServiceMetrics("slow"),
      readiness: {},
      handler: async (_req, res) => {
        await new Promise((r) => setTimeout(r, 300));
        res.end("finished");
      },
    });
    const port = await listen(server, 0, "127.0.0.1");
    const inFlight = fetch(`http://127.0.0.1:${port}/graphql`).then(async (r) => [r.status, await r.text()]);
    await new Promise((r) => setTimeout(r, 50));
    const closing = closeGracefully(server, 5000);
    expect(await inFlight).toEqual([200, "finished"]);
    await closing;
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it("cuts connections that outlive the grace period", async () => {
    const server = createServiceHttpServer({
      name: "stuck",
      logger: createLogger({ level: "silent" }),
      metrics: createServiceMetrics("stuck"),
      readiness: {},
      handler: () => new Promise(() => {}),
    });
    const port = await listen(server, 0, "127.0.0.1");
    const stuck = fetch(`http://127.0.0.1:${port}/graphql`).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await closeGracefully(server, 200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await stuck).toBeInstanceOf(Error);
  });
});
