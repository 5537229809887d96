import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** Process-wide metrics (CPU, memory, event loop) registered once, however many services share the process. */
const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: "trustid_" });

export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<"route" | "method" | "status">;
  graphqlErrors: Counter<"code">;
  /** Prometheus text exposition: this service's metrics and the process's. */
  render(): Promise<string>;
}

export function createServiceMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const httpDuration = new Histogram({
    name: "trustid_http_request_duration_seconds",
    help: "HTTP request duration by route, method and status",
    labelNames: ["route", "method", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const graphqlErrors = new Counter({
    name: "trustid_graphql_errors_total",
    help: "GraphQL errors returned, by extensions.code",
    labelNames: ["code"],
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    graphqlErrors,
    // Concatenated rather than Registry.merge(): merging drops the service registry's default labels.
    render: async () => `${await registry.metrics()}\n${await processRegistry.metrics()}`,
  };
}

export const METRICS_CONTENT_TYPE = processRegistry.contentType;
