import { BroadcastChannel } from "node:worker_threads";
import { pino } from "pino";

export type Logger = pino.Logger;

/**
 * Structured JSON logs. Code logs ids and codes, never values; the redaction list is a second line of defence
 * for the field names that carry personal data, in case an object is ever logged whole by mistake.
 */
const PERSONAL_FIELDS = [
  "firstName",
  "lastName",
  "email",
  "phoneNumber",
  "dateOfBirth",
  "claims",
  "attributes",
  "authorization",
  "password",
  "token",
];
const redactPaths = PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

export interface LoggerOptions {
  level?: string;
  /** Where lines go; tests pass a capturing stream. Defaults to stdout. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { pid: process.pid },
      redact: { paths: redactPaths, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/**
 * Worker threads log through the thread that owns them: a worker's logger (same options, same redaction) posts
 * each finished line on a BroadcastChannel, and `relayWorkerLogs` writes it unchanged to the owner's destination.
 * So there is one stream per process whatever the threads, and whatever captures or ships the process's logs
 * (a test's capture included) sees the workers' lines too.
 */
export function createWorkerLogger(options: { channel: string; level: string; bindings: pino.Bindings }): {
  logger: Logger;
  close(): void;
} {
  const channel = new BroadcastChannel(options.channel);
  const logger = createLogger({
    level: options.level,
    destination: { write: (line: string) => channel.postMessage(line) },
  }).child(options.bindings);
  return { logger, close: () => channel.close() };
}

export function relayWorkerLogs(channelName: string, owner: Logger): { close(): void } {
  const destination = (owner as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  const channel = new BroadcastChannel(channelName);
  channel.onmessage = (event) => {
    const line = (event as { data?: unknown }).data;
    if (typeof line === "string") destination?.write(line);
  };
  // The owner's event loop must not be kept alive by listening.
  channel.unref();
  return { close: () => channel.close() };
}
