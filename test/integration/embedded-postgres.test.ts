import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDevToken } from "../../scripts/commands/token.js";
import { startStack } from "../../scripts/stack.js";
import { loadConfig } from "../../shared/config.js";
import { createLogger } from "../../shared/logger.js";
import { UserEntity } from "../../subgraphs/identity/entities/user.entity.js";

const dataDir = mkdtempSync(join(tmpdir(), "trustid-embedded-"));
const port = 56_000 + Math.floor(Math.random() * 4000);
// No DATABASE_URL: the path a newcomer's fresh machine takes.
const config = loadConfig({
  NODE_ENV: "test",
  TRUSTID_DATA_DIR: dataDir,
  TRUSTID_EMBEDDED_PG_PORT: String(port),
});
const logger = createLogger({ level: "silent" });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("embedded PostgreSQL (DATABASE_URL unset)", () => {
  it("starts a real server under the data directory, serves the stack, and keeps the data across a restart", async () => {
    const id = randomUUID();
    const first = await startStack({ config, logger, randomPorts: true });
    try {
      expect(first.database.embedded).toBe(true);
      expect(first.database.url).toContain(`127.0.0.1:${port}/trustid`);
      const identity = first.services.find((s) => s.name === "identity")!;
      const now = new Date();
      await identity.orm!.em.fork().insert(UserEntity, {
        id,
        externalRef: "embedded-1",
        verifiedAt: now,
        createdAt: now,
        updatedAt: now,
      });
    } finally {
      await first.stop();
    }

    const restartedAt = Date.now();
    const second = await startStack({ config, logger, randomPorts: true });
    try {
      const restartMs = Date.now() - restartedAt;
      expect(restartMs).toBeLessThan(10_000);
      const response = await fetch(second.gatewayUrl!, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${await createDevToken(config, { roles: ["admin"] })}`,
        },
        body: JSON.stringify({ query: `{ userByExternalRef(externalRef: "embedded-1") { id } }` }),
      });
      const body = (await response.json()) as { data: { userByExternalRef: { id: string } | null } };
      expect(body.data.userByExternalRef?.id).toBe(id);
    } finally {
      await second.stop();
    }
  });
});
