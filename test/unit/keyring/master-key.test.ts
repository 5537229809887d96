import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../shared/config.js";
import { createKeyring } from "../../../shared/keyring/create-keyring.js";
import { loadMasterKey } from "../../../shared/keyring/master-key.js";
import { createLogger } from "../../../shared/logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: "info", destination }), lines };
}

describe("local keyring master key", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "trustid-master-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("uses the configured key as given", async () => {
    const encoded = randomBytes(32).toString("base64");
    const key = await loadMasterKey(
      { masterKey: encoded, production: true, dataDir: tempDir() },
      capture().logger,
    );
    expect(key.export().toString("base64")).toBe(encoded);
  });

  it("generates a development key under the data directory, mode 0600, once, with a warning", async () => {
    const dataDir = join(tempDir(), "nested", ".trustid");
    const { logger, lines } = capture();
    const first = await loadMasterKey({ production: false, dataDir }, logger);
    const path = join(dataDir, "master.key");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8").trim()).toBe(first.export().toString("base64"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.join("")).toContain("generated a development master key");
    // The warning names the file, never the key.
    expect(lines.join("")).not.toContain(first.export().toString("base64"));

    const second = await loadMasterKey({ production: false, dataDir }, capture().logger);
    expect(second.export().equals(first.export())).toBe(true);
  });

  it("tightens a development key file readable by others", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "master.key"), `${randomBytes(32).toString("base64")}\n`, { mode: 0o644 });
    await loadMasterKey({ production: false, dataDir }, capture().logger);
    expect(statSync(join(dataDir, "master.key")).mode & 0o777).toBe(0o600);
  });

  it("refuses to start in production without a master key, before touching the database", async () => {
    await expect(
      loadMasterKey({ production: true, dataDir: tempDir() }, capture().logger),
    ).rejects.toMatchObject({
      reason: "MASTER_KEY_MISSING",
    });
    // loadConfig already refuses production without TRUSTID_MASTER_KEY; the keyring refuses on its own too.
    const config = loadConfig({ NODE_ENV: "test", TRUSTID_DATA_DIR: tempDir() });
    await expect(
      createKeyring(
        { ...config, production: true },
        { databaseUrl: "postgres://nobody@127.0.0.1:1/none", logger: capture().logger },
      ),
    ).rejects.toMatchObject({ reason: "MASTER_KEY_MISSING" });
  });

  it("rejects a key that is not 32 bytes of base64, without echoing it", async () => {
    const bad = randomBytes(16).toString("base64");
    const attempt = loadMasterKey(
      { masterKey: bad, production: false, dataDir: tempDir() },
      capture().logger,
    );
    await expect(attempt).rejects.toThrow("32 bytes, base64-encoded");
    await expect(attempt).rejects.not.toThrow(bad);
  });
});
