import { randomBytes } from "node:crypto";
import { describe } from "vitest";
import { VaultKeyring } from "../../../shared/keyring/vault-keyring.js";
import { VaultTransport } from "../../../shared/keyring/vault-transport.js";
import { createLogger } from "../../../shared/logger.js";
import { describeKeyringContract } from "./keyring-contract.js";

const addr = process.env.VAULT_ADDR;
const token = process.env.VAULT_TOKEN;
const available = Boolean(addr && token);

if (!available) {
  console.log(
    "[skip] Vault keyring contract suite: VAULT_ADDR and VAULT_TOKEN are not set (no Vault server on this machine)",
  );
}

describe.skipIf(!available)("vault keyring against a real Vault/OpenBao", () => {
  // Needs a transit engine at VAULT_TRANSIT_MOUNT (default "transit") and a token allowed to create keys there.
  describeKeyringContract(`vault at ${addr}`, async () => ({
    keyring: new VaultKeyring(
      new VaultTransport({
        addr: addr!,
        token,
        approleMount: "approle",
        namespace: process.env.VAULT_NAMESPACE,
        timeoutMs: 5000,
        retries: 2,
        logger: createLogger({ level: "silent" }),
      }),
      {
        transitMount: process.env.VAULT_TRANSIT_MOUNT ?? "transit",
        keyPrefix: `trustid-test-${randomBytes(3).toString("hex")}`,
        batchMax: 100,
      },
    ),
  }));
});
