import { readFile } from "node:fs/promises";
import pg from "pg";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Keyring } from "./keyring.js";
import { LocalKeyring } from "./local-keyring.js";
import { loadMasterKey } from "./master-key.js";
import { VaultKeyring } from "./vault-keyring.js";
import { VaultTransport } from "./vault-transport.js";

export interface CreateKeyringOptions {
  /** The migrated database holding the `keyring` schema (the local keyring keeps its key versions there). */
  databaseUrl: string;
  logger: Logger;
  /** Connections for the local keyring's own pool; it runs a few short queries per batch. */
  poolMax?: number;
}

/** The configured keyring adapter: `TRUSTID_KEYRING=local` (default) or `vault`. */
export async function createKeyring(config: Config, options: CreateKeyringOptions): Promise<Keyring> {
  const logger = options.logger.child({ component: "keyring", driver: config.keyring.driver });
  if (config.keyring.driver === "vault") {
    const vault = config.keyring.vault;
    if (!vault.addr) throw new TypeError("VAULT_ADDR is required when TRUSTID_KEYRING=vault");
    const transport = new VaultTransport({
      addr: vault.addr,
      token: vault.token,
      roleId: vault.roleId,
      secretId: vault.secretId,
      approleMount: vault.approleMount,
      namespace: vault.namespace,
      ca: vault.caCertFile ? await readFile(vault.caCertFile, "utf8") : undefined,
      timeoutMs: vault.timeoutMs,
      retries: vault.retries,
      logger,
    });
    return new VaultKeyring(transport, {
      transitMount: vault.transitMount,
      keyPrefix: vault.keyPrefix,
      batchMax: vault.batchMax,
    });
  }
  // Before any connection: production without a master key must stop the start, not the first request.
  const master = await loadMasterKey(
    { masterKey: config.keyring.masterKey, production: config.production, dataDir: config.dataDir },
    logger,
  );
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax ?? 4,
    application_name: "trustid-keyring",
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", (error) =>
    logger.warn({ code: (error as { code?: string }).code }, "keyring pool connection lost"),
  );
  return new LocalKeyring({ pool, master, cacheTtlMs: config.keyring.cacheTtlMs, ownsPool: true });
}
