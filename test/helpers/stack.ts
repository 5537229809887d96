import { Writable } from "node:stream";
import { createDevToken } from "../../scripts/commands/token.js";
import { type Stack, startStack } from "../../scripts/stack.js";
import { type Config, loadConfig } from "../../shared/config.js";
import type { Role } from "../../shared/context.js";
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
  /** The values (personal data seeded by a test) that appear anywhere in the captured lines. */
  leaked(values: readonly string[]): string[] {
    const text = this.text;
    return values.filter((value) => text.includes(value));
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export type GqlBody<T> = {
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
};

export interface TestStack extends Stack {
  config: Config;
  db: TestDatabase;
  logs: LogCapture;
  logger: Logger;
  /**
   * A query through the gateway, as an admin unless `headers` says otherwise (pass `authorization: ""` to be
   * anonymous, or another `stack.token(...)`).
   */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GqlBody<T>; headers: Headers }>;
  /** A development token for `roles` (signed by the dev key the test stack trusts). */
  token(roles: Role[], options?: { sub?: string; ttl?: string }): Promise<string>;
  /** `{ authorization: "Bearer <token>" }` for `roles`. */
  as(roles: Role[], options?: { sub?: string }): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export type TokenSigner = (roles: Role[], options?: { sub?: string; ttl?: string }) => Promise<string>;

export interface TestStackOptions {
  /** How `token()` signs; defaults to the development key (which a production stack refuses). */
  signToken?: TokenSigner;
}

export async function startTestStack(
  env: Record<string, string> = {},
  options: TestStackOptions = {},
): Promise<TestStack> {
  const db = await createTestDatabase({ migrate: false });
  const config = loadConfig({ NODE_ENV: "test", TRUSTID_LOG_LEVEL: "debug", DATABASE_URL: db.url, ...env });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, destination: logs.stream });
  const stack = await startStack({ config, logger, databaseUrl: db.url, randomPorts: true });
  const token: TokenSigner =
    options.signToken ?? ((roles, tokenOptions = {}) => createDevToken(config, { roles, ...tokenOptions }));
  let admin: string | undefined;
  return {
    ...stack,
    config,
    db,
    logs,
    logger,
    token,
    as: async (roles, options) => ({ authorization: `Bearer ${await token(roles, options)}` }),
    async gql(query, variables, headers = {}) {
      admin ??= `Bearer ${await token(["admin"], { sub: "test-admin" })}`;
      const response = await fetch(stack.gatewayUrl!, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: admin, ...headers },
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
