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
