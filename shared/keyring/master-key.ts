import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../logger.js";
import { KEY_BYTES } from "./aes-gcm.js";
import { KeyringError } from "./keyring-error.js";

export const DEV_MASTER_KEY_FILE = "master.key";

export interface MasterKeySource {
  /** Base64 of 32 bytes (TRUSTID_MASTER_KEY / _FILE, already resolved by loadConfig). */
  masterKey?: string;
  production: boolean;
  /** Absolute path of `.trustid`, where development keeps its generated master key. */
  dataDir: string;
}

/**
 * The local keyring's root secret. Production must be given one: a generated key would silently make every
 * replica's data unreadable by the others, and its loss would be the loss of all personal data. Development
 * generates one under the data directory (0600) so a fresh clone starts without setup, and says so loudly.
 */
export async function loadMasterKey(source: MasterKeySource, logger: Logger): Promise<KeyObject> {
  if (source.masterKey) return decodeMasterKey(source.masterKey);
  if (source.production) throw new KeyringError("MASTER_KEY_MISSING");
  const path = join(source.dataDir, DEV_MASTER_KEY_FILE);
  const existing = await readExisting(path, logger);
  if (existing) return decodeMasterKey(existing);
  await mkdir(source.dataDir, { recursive: true, mode: 0o700 });
  const encoded = randomBytes(KEY_BYTES).toString("base64");
  try {
    // "wx": two processes starting together must not both generate; the loser reads the winner's key.
    await writeFile(path, `${encoded}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const raced = await readExisting(path, logger);
    if (!raced) throw error;
    return decodeMasterKey(raced);
  }
  logger.warn(
    { path },
    "generated a development master key for the local keyring; production must set TRUSTID_MASTER_KEY or TRUSTID_MASTER_KEY_FILE",
  );
  return decodeMasterKey(encoded);
}

async function readExisting(path: string, logger: Logger): Promise<string | null> {
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      logger.warn({ path }, "development master key was readable by group/others; restricting it to 0600");
      await chmod(path, 0o600);
    }
    return (await readFile(path, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function decodeMasterKey(encoded: string): KeyObject {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== KEY_BYTES || bytes.toString("base64") !== encoded) {
    // The message names the problem, never the value.
    throw new TypeError("The master key must be 32 bytes, base64-encoded (openssl rand -base64 32)");
  }
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return key;
}
