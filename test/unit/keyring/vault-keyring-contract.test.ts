import { VaultDouble } from "../../helpers/vault-double.js";
import { describeKeyringContract } from "../../integration/keyring/keyring-contract.js";
import { TEST_TOKEN, vaultKeyring } from "./vault-fixture.js";

// The adapter against the transit protocol double: the same contract the local keyring and a real Vault pass.
describeKeyringContract("vault adapter over the transit protocol double", async () => {
  const double = await VaultDouble.start({ token: TEST_TOKEN });
  return { keyring: vaultKeyring(double, { batchMax: 2 }), cleanup: () => double.stop() };
});
