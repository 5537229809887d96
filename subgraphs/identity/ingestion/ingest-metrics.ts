import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { IngestReport } from "./user-ingestion.service.js";

export interface ThreadLoad {
  queued: number;
  utilization: number;
  threads: number;
}

/**
 * What an operator watches of ingestion: records by outcome, rejections by field and code, batch latency.
 * Labels are statuses, field names and codes only: never a value or an externalRef.
 */
export class IngestMetrics {
  private readonly records: Counter<"status">;
  private readonly rejections: Counter<"field" | "code">;
  private readonly batches: Histogram<"replayed">;

  constructor(private readonly registry: Registry) {
    this.records = new Counter({
      name: "trustid_ingest_records_total",
      help: "Ingested user records by outcome (CREATED, UPDATED, UNCHANGED, REJECTED)",
      labelNames: ["status"],
      registers: [registry],
    });
    this.rejections = new Counter({
      name: "trustid_ingest_field_errors_total",
      help: "Field errors of rejected user records, by field and code",
      labelNames: ["field", "code"],
      registers: [registry],
    });
    this.batches = new Histogram({
      name: "trustid_ingest_batch_duration_seconds",
      help: "Time to ingest one batch (replayed: answered from the stored report)",
      labelNames: ["replayed"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  /**
   * The ingest threads' load, read at each scrape: batches waiting for a thread (sustained > 0 means ingestion
   * is at capacity) and the share of the threads' time spent running batches.
   */
  watchThreads(read: () => ThreadLoad): void {
    const gauges: Array<[name: string, help: string, pick: (load: ThreadLoad) => number]> = [
      ["trustid_ingest_queued_batches", "Ingest batches waiting for a worker thread", (l) => l.queued],
      [
        "trustid_ingest_thread_utilization",
        "Share of the ingest worker threads' time spent running batches (0 to 1)",
        (l) => l.utilization,
      ],
      ["trustid_ingest_threads", "Ingest worker threads (TRUSTID_INGEST_WORKERS)", (l) => l.threads],
    ];
    for (const [name, help, pick] of gauges) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(pick(read()));
        },
      });
    }
  }

  observe(report: IngestReport, seconds: number): void {
    this.batches.observe({ replayed: String(report.replayed) }, seconds);
    if (report.replayed) return; // counted when it was written
    for (const r of report.results) {
      this.records.inc({ status: r.status });
      for (const e of r.errors) this.rejections.inc({ field: e.field, code: e.code });
    }
  }
}
