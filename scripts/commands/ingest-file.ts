import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { userInfo } from "node:os";
import { basename, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { SingleBar } from "cli-progress";
import type { Config } from "../../shared/config.js";
import { RequestContext } from "../../shared/context.js";
import type { Logger } from "../../shared/logger.js";
import type { IdentityRuntime } from "../../subgraphs/identity/index.js";

export interface IngestFileOptions {
  /** A path, or "-" for standard input. */
  source: string;
  batchSize: number;
  /** Where rejected lines are reported (NDJSON: line number, externalRef, field errors; never values). */
  reportPath?: string;
  /** Names the run for resumption; defaults to a fingerprint of the file. Required to resume standard input. */
  runId?: string;
  /** Batches in flight at once (one per ingest worker thread is what keeps them all busy); default 1. */
  concurrency?: number;
  progress: boolean;
}

export interface IngestFileSummary {
  runId: string;
  lines: number;
  skipped: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  reportPath: string;
}

/**
 * Bulk backfill through the same pipeline as `ingestVerifiedUsers`: the file is streamed a batch at a time
 * (constant memory), each batch carries an idempotency key derived from the run and its position, and a
 * checkpoint records the last completed batch, so a rerun after a crash skips what is done and a batch that
 * was in flight is resumed or replayed, never written twice.
 */
export async function ingestFile(
  config: Config,
  logger: Logger,
  identity: IdentityRuntime,
  options: IngestFileOptions,
): Promise<IngestFileSummary> {
  const fromStdin = options.source === "-";
  if (fromStdin && !options.runId) throw new Error("reading standard input needs --run-id to be resumable");
  const runId = options.runId ?? (await fingerprint(options.source));
  const checkpointDir = join(config.dataDir, "ingest");
  mkdirSync(checkpointDir, { recursive: true, mode: 0o700 });
  const checkpointFile = join(checkpointDir, `${runId}.json`);
  const doneBatches = existsSync(checkpointFile)
    ? (JSON.parse(readFileSync(checkpointFile, "utf8")) as { batches: number }).batches
    : 0;
  const reportPath =
    options.reportPath ??
    (fromStdin ? join(checkpointDir, `${runId}.rejected.ndjson`) : `${options.source}.rejected.ndjson`);
  const report = createWriteStream(reportPath, { flags: doneBatches > 0 ? "a" : "w", mode: 0o600 });

  const input = fromStdin ? process.stdin : createReadStream(resolve(options.source));
  const totalBytes = fromStdin ? 0 : statSync(options.source).size;
  const bar =
    options.progress && process.stderr.isTTY
      ? new SingleBar({
          format:
            "ingest |{bar}| {percentage}% | {lines} lines | {created} created {updated} updated {rejected} rejected",
          stream: process.stderr,
        })
      : null;
  bar?.start(totalBytes || 1, 0, { lines: 0, created: 0, updated: 0, rejected: 0 });

  const summary: IngestFileSummary = {
    runId,
    lines: 0,
    skipped: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    reportPath,
  };
  const actor = `cli:${userInfo().username}`;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  let batch: Array<{ line: number; record: unknown }> = [];
  let batchNo = 0;
  let bytes = 0;
  // Batches run `concurrency` at a time (one per ingest thread) and may finish out of order. The checkpoint and
  // the report advance only over the contiguous prefix of finished batches, in batch order, so a rerun after a
  // crash resumes after the last batch whose predecessors are all done, and report lines keep file order.
  const inflight = new Set<Promise<void>>();
  const finished = new Map<number, string>();
  let checkpointed = doneBatches;
  let failure: unknown = null;

  const settle = () => {
    while (finished.has(checkpointed + 1)) {
      const lines = finished.get(checkpointed + 1)!;
      finished.delete(checkpointed + 1);
      if (lines) report.write(lines);
      checkpointed++;
      writeFileSync(
        checkpointFile,
        JSON.stringify({ batches: checkpointed, source: basename(options.source) }),
      );
    }
    bar?.update(bytes, {
      lines: summary.lines,
      created: summary.created,
      updated: summary.updated,
      rejected: summary.rejected,
    });
  };

  const send = async (no: number, current: Array<{ line: number; record: unknown }>) => {
    let lines = "";
    const parsed = current.filter((l) => l.record !== INVALID_JSON);
    for (const l of current) {
      if (l.record === INVALID_JSON) {
        summary.rejected++;
        lines += `${JSON.stringify({ line: l.line, errors: [{ field: "(line)", code: "INVALID_JSON" }] })}\n`;
      }
    }
    const ctx = new RequestContext(
      `ingest-${runId}-${no}`,
      { subject: actor, roles: ["ingestor"] },
      identity.orm.em.fork(),
      logger,
    );
    const result = await identity.ingestion.ingest(
      ctx,
      parsed.map((l) => l.record),
      `ndjson:${runId}:${no}`,
    );
    summary.created += result.created;
    summary.updated += result.updated;
    summary.unchanged += result.unchanged;
    summary.rejected += result.rejected;
    for (const r of result.results) {
      if (r.errors.length > 0) {
        lines += `${JSON.stringify({ line: parsed[r.index]!.line, externalRef: r.externalRef, errors: r.errors.map((e: { field: string; code: string }) => ({ field: e.field, code: e.code })) })}\n`;
      }
    }
    finished.set(no, lines);
    settle();
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    batchNo++;
    if (batchNo <= doneBatches) {
      summary.skipped += current.length;
      return;
    }
    // A failure is recorded, not left unhandled: reading stops at the next batch, and what finished is kept.
    const task: Promise<void> = send(batchNo, current)
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inflight.delete(task));
    inflight.add(task);
    if (inflight.size >= concurrency) await Promise.race(inflight);
    if (failure) throw failure;
  };

  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      bytes += Buffer.byteLength(line) + 1;
      if (line.trim() === "") continue;
      summary.lines++;
      batch.push({ line: lineNo, record: parseLine(line) });
      if (batch.length >= options.batchSize) await flush();
    }
    await flush();
  } finally {
    await Promise.allSettled(inflight);
    await new Promise<void>((r) => report.end(r));
  }
  if (failure) throw failure;
  bar?.update(totalBytes || 1);
  bar?.stop();
  logger.info({ ...summary, reportPath: undefined }, "ingest file finished");
  return summary;
}

const INVALID_JSON = Symbol("invalid-json");

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return INVALID_JSON;
  }
}

/** Identifies a file cheaply and stably: its size and a hash of its first and last MiB. */
async function fingerprint(path: string): Promise<string> {
  const { size } = statSync(path);
  const handle = await open(path, "r");
  try {
    const hash = createHash("sha256").update(String(size));
    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
    await handle.read(chunk, 0, chunk.length, 0);
    hash.update(chunk);
    await handle.read(chunk, 0, chunk.length, Math.max(0, size - chunk.length));
    hash.update(chunk);
    return hash.digest("hex").slice(0, 24);
  } finally {
    await handle.close();
  }
}
