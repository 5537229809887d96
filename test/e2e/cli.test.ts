import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const CLI = "dist/scripts/cli.js";
let db: TestDatabase;
let env: NodeJS.ProcessEnv;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${seen}`)),
      timeoutMs,
    );
    child.stdout!.on("data", (chunk) => {
      seen += chunk;
      const line = seen.split("\n").find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}

beforeAll(async () => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`make build\` (make test does) before the suite`);
  db = await createTestDatabase({ migrate: false });
  env = {
    ...process.env,
    NODE_ENV: "development",
    DATABASE_URL: db.url,
    TRUSTID_DATA_DIR: mkdtempSync(join(tmpdir(), "trustid-cli-")),
    TRUSTID_LOG_LEVEL: "info",
  };
});

afterAll(async () => {
  await db?.drop();
});

describe("the trustid CLI", () => {
  it("migrate applies every migration once, and a second run is a no-op", async () => {
    const first = await runCli(["migrate"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^applied:\n {2}audit\/migration-/);
    const second = await runCli(["migrate"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe("database is up to date\n");
  });

  it("token prints a development token carrying the roles claim", async () => {
    const { code, stdout } = await runCli([
      "token",
      "--role",
      "support",
      "--role",
      "auditor",
      "--sub",
      "alice",
      "--ttl",
      "15m",
    ]);
    expect(code).toBe(0);
    const claims = decodeJwt(stdout.trim());
    expect(claims).toMatchObject({ sub: "alice", roles: ["support", "auditor"] });
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    const bad = await runCli(["token", "--role", "superuser"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown role\(s\): superuser/);
  });

  it("reports every configuration problem at once and exits non-zero", async () => {
    const saved = env;
    env = { ...env, TRUSTID_GATEWAY_PORT: "70000", TRUSTID_ANALYTICS_K: "zero" };
    try {
      const { code, stderr } = await runCli(["migrate"]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/Invalid configuration \(2 problems\)/);
    } finally {
      env = saved;
    }
  });

  it("start serves the federated graph, and SIGTERM drains and exits 0", async () => {
    const ports = await Promise.all([1, 2, 3, 4, 5].map(freePort));
    const [gateway, identity, credential, ledger, analytics] = ports;
    const child = spawn(process.execPath, [CLI, "start"], {
      env: {
        ...env,
        TRUSTID_GATEWAY_PORT: String(gateway),
        TRUSTID_IDENTITY_PORT: String(identity),
        TRUSTID_CREDENTIAL_PORT: String(credential),
        TRUSTID_LEDGER_PORT: String(ledger),
        TRUSTID_ANALYTICS_PORT: String(analytics),
      },
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await waitForLine(child, /"msg":"TrustID ready"/, 60_000);
      const health = await fetch(`http://127.0.0.1:${gateway}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${gateway}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${gateway}/healthz`)).rejects.toThrow();
  });
});
