import { VaultKeyring } from "../../../shared/keyring/vault-keyring.js";
import { VaultTransport, type VaultTransportOptions } from "../../../shared/keyring/vault-transport.js";
import { createLogger } from "../../../shared/logger.js";
import type { VaultDouble } from "../../helpers/vault-double.js";

export const TEST_TOKEN = "hvs.test-token";

/** A Vault adapter pointed at the double, with test-sized timeouts and backoff. */
export function vaultKeyring(
  double: Pick<VaultDouble, "url">,
  overrides: Partial<VaultTransportOptions> & { batchMax?: number } = {},
): VaultKeyring {
  const { batchMax, ...transport } = overrides;
  return new VaultKeyring(
    new VaultTransport({
      addr: double.url,
      token: TEST_TOKEN,
      approleMount: "approle",
      timeoutMs: 1000,
      retries: 2,
      backoff: { baseMs: 5, maxMs: 20 },
      logger: createLogger({ level: "silent" }),
      ...transport,
    }),
    { transitMount: "transit", keyPrefix: "trustid", batchMax: batchMax ?? 100 },
  );
}
