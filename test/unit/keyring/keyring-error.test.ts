import { describe, expect, it } from "vitest";
import { KeyringError } from "../../../shared/keyring/keyring-error.js";
import {
  itemError,
  reasonFromVaultMessage,
  responseError,
} from "../../../shared/keyring/vault-error-mapping.js";

describe("keyring errors", () => {
  it("map to API codes: unavailable is SERVICE_UNAVAILABLE, erased data NOT_FOUND, the rest INTERNAL", () => {
    expect(new KeyringError("KEYRING_UNAVAILABLE").code).toBe("SERVICE_UNAVAILABLE");
    expect(new KeyringError("DATA_KEY_DESTROYED").code).toBe("NOT_FOUND");
    for (const reason of [
      "DECRYPT_FAILED",
      "UNKNOWN_KEY_VERSION",
      "KEY_VERSION_RETIRED",
      "KEY_NOT_FOUND",
    ] as const) {
      expect(new KeyringError(reason).code).toBe("INTERNAL");
    }
  });

  it("carry a stable reason in GraphQL extensions and never serialise their cause", () => {
    const error = new KeyringError("DECRYPT_FAILED", { keyName: "kek", index: 3, cause: "ada@example.org" });
    expect(error.message).toBe(
      "Decryption failed: wrong key, tampered ciphertext or wrong associated data (key kek, item 3)",
    );
    expect(error.toGraphQLError().extensions).toEqual({ code: "INTERNAL", reason: "DECRYPT_FAILED" });
    expect(JSON.stringify(error)).not.toContain("ada@example.org");
    expect(error.atIndex(7)).toMatchObject({ reason: "DECRYPT_FAILED", index: 7, keyName: "kek" });
  });

  it.each([
    ["cipher: message authentication failed", "DECRYPT_FAILED"],
    ["ciphertext or signature version is disallowed by policy (too old)", "KEY_VERSION_RETIRED"],
    ["invalid ciphertext: version is too new", "UNKNOWN_KEY_VERSION"],
    ["no such key version", "UNKNOWN_KEY_VERSION"],
    ["invalid ciphertext: no prefix", "INVALID_CIPHERTEXT"],
    ["invalid signature: no prefix", "INVALID_CIPHERTEXT"],
    ["encryption key not found", "KEY_NOT_FOUND"],
    ["permission denied", "KEYRING_DENIED"],
    ["message signing not supported for key type aes256-gcm96", "UNSUPPORTED_OPERATION"],
    ["something new", null],
  ])("reads Vault's %j as %s", (message, reason) => {
    expect(reasonFromVaultMessage(message)).toBe(reason);
  });

  it("falls back on the HTTP status", () => {
    expect(itemError("odd", 500, "kek", 1).reason).toBe("KEYRING_UNAVAILABLE");
    expect(itemError("odd", 400, "kek", 1).reason).toBe("KEYRING_ERROR");
    expect(responseError(503, { errors: ["Vault is sealed"] }, "kek").reason).toBe("KEYRING_UNAVAILABLE");
    expect(responseError(429, {}, "kek").reason).toBe("KEYRING_UNAVAILABLE");
    expect(responseError(403, { errors: ["permission denied"] }, "kek").reason).toBe("KEYRING_DENIED");
    expect(responseError(404, { errors: [] }, "kek").reason).toBe("KEY_NOT_FOUND");
    expect(responseError(400, null, "kek").reason).toBe("KEYRING_ERROR");
  });
});
