import { Writable } from "node:stream";
import { type Stack, startStack } from "../../scripts/stack.js";
import { type Config, loadConfig } from "../../shared/config.js";
import { createLogger, type Logger } from "../../shared/logger.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

/** Every log line a test stack writes, parsed, so tests can assert on them (and on what they must not hold). */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk, _enc, done) => {
      for (const line of String(chunk).split("\n")) if (line) this.lines.push(line);
      done();
    },
  });
  get text(): string {
    return this.lines.join("\n");
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestStack extends Stack {
  config: Config;
  db: TestDatabase;
  logs: LogCapture;
  logger: Logger;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
    headers: Headers;
  }>;
  close(): Promise<void>;
}

export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const db = await createTestDatabase({ migrate: false });
  const config = loadConfig({ NODE_ENV: "test", TRUSTID_LOG_LEVEL: "debug", DATABASE_URL: db.url, ...env });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, destination: logs.stream });
  const stack = await startStack({ config, logger, databaseUrl: db.url, randomPorts: true });
  return {
    ...stack,
    config,
    db,
    logs,
    logger,
    async gql(query, variables, headers = {}) {
      const response = await fetch(stack.gatewayUrl!, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as never, headers: response.headers };
    },
    async close() {
      await stack.stop();
      await db.drop();
    },
  };
}
