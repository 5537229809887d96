import type { Bindings } from "pino";
import type { Config } from "../../../shared/config.js";
import type { ErrorCode } from "../../../shared/errors.js";
import type { IngestReport } from "./user-ingestion.service.js";

/** What every ingest worker is started with (structured-cloned into the thread). */
export interface IngestWorkerData {
  config: Config;
  databaseUrl: string;
  /** The BroadcastChannel the owning thread relays log lines from. */
  logChannel: string;
  /** The BroadcastChannel the owning thread steers shutdown on (`ControlMessage`). */
  controlChannel: string;
  logBindings: Bindings;
}

export type IngestTask =
  | { kind: "open" }
  | {
      kind: "ingest";
      actor: string;
      requestId: string;
      batch: readonly unknown[];
      idempotencyKey: string | null;
      /** The lease token to hold the batch with (the owning thread gives the lease back if this one dies). */
      holder: string;
    };

export type TaskOutcome =
  | { kind: "opened" }
  | { kind: "report"; report: IngestReport }
  /** A domain error (TrustIdError), rebuilt on the owning thread with the same code and reason. */
  | { kind: "refused"; code: ErrorCode; message: string; reason?: string };

/**
 * Shutdown, on the control channel. `stop`: the grace period is over, running batches stop at their next chunk
 * boundary (giving their leases back) and new ones are refused. `close`: the threads are idle, each closes its
 * connections and answers `closed`, so that ending the threads cuts no connection and no I/O in flight.
 */
export type ControlMessage = { kind: "stop" } | { kind: "close" } | { kind: "closed"; threadId: number };
