import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { valuesOrThrow } from "../../../shared/keyring/keyring.js";
import { VaultDouble } from "../../helpers/vault-double.js";
import { TEST_TOKEN, vaultKeyring } from "./vault-fixture.js";

describe("vault keyring at its HTTP boundary", () => {
  let double: VaultDouble;

  beforeAll(async () => {
    double = await VaultDouble.start({
      token: TEST_TOKEN,
      appRole: { roleId: "role-1", secretId: "secret-1", leaseSeconds: 3600 },
    });
    await vaultKeyring(double).ensureKey("kek", "aes256-gcm96");
  });
  beforeEach(() => {
    double.requests.length = 0;
  });
  afterAll(async () => {
    await double.stop();
  });

  it("builds transit requests: prefixed key path, token and namespace headers, base64 plaintext and associated data", async () => {
    const keyring = vaultKeyring(double, { namespace: "team-a" });
    await keyring.encrypt("kek", [
      { plaintext: Buffer.from("Ada"), associatedData: Buffer.from("users\0email\0id-1") },
      { plaintext: Buffer.from("Grace") },
    ]);
    const [request] = double.requests;
    expect(request).toMatchObject({
      method: "POST",
      path: "/v1/transit/encrypt/trustid-kek",
      token: TEST_TOKEN,
      namespace: "team-a",
      body: {
        batch_input: [
          {
            plaintext: Buffer.from("Ada").toString("base64"),
            associated_data: Buffer.from("users\0email\0id-1").toString("base64"),
          },
          { plaintext: Buffer.from("Grace").toString("base64") },
        ],
      },
    });
    expect(request?.body.batch_input[1]).not.toHaveProperty("associated_data");
  });

  it("splits a batch at batchMax and keeps results in input order", async () => {
    const keyring = vaultKeyring(double, { batchMax: 3 });
    const plaintexts = Array.from({ length: 7 }, (_, i) => Buffer.from(`value-${i}`));
    const ciphertexts = valuesOrThrow(
      await keyring.encrypt(
        "kek",
        plaintexts.map((plaintext) => ({ plaintext })),
      ),
    );
    expect(double.transitRequests("encrypt").map((r) => r.body.batch_input.length)).toEqual([3, 3, 1]);
    const opened = valuesOrThrow(
      await keyring.decrypt(
        "kek",
        ciphertexts.map((ciphertext) => ({ ciphertext })),
      ),
    );
    expect(opened.map((b) => b.toString())).toEqual(plaintexts.map((b) => b.toString()));
    expect(double.transitRequests("decrypt")).toHaveLength(3);
  });

  it("reports a 400 batch response item by item, with indexes across split requests", async () => {
    const keyring = vaultKeyring(double, { batchMax: 2 });
    const [good] = valuesOrThrow(await keyring.encrypt("kek", [{ plaintext: Buffer.from("ok") }]));
    double.requests.length = 0;
    const results = await keyring.decrypt("kek", [
      { ciphertext: good! },
      { ciphertext: good!, associatedData: Buffer.from("wrong") },
      { ciphertext: "vault:v7:AAAA" },
    ]);
    expect(results.map((r) => (r.ok ? "ok" : `${r.error.reason}@${r.error.index}`))).toEqual([
      "ok",
      "DECRYPT_FAILED@1",
      "UNKNOWN_KEY_VERSION@2",
    ]);
    expect(results.map((r) => (r.ok ? 200 : r.error.status))).toEqual([200, 400, 400]);
  });

  it("retries 5xx with backoff, then succeeds", async () => {
    const keyring = vaultKeyring(double, { retries: 3 });
    double.failNext(2, 503, { errors: ["Vault is sealed"] });
    const [ciphertext] = valuesOrThrow(await keyring.encrypt("kek", [{ plaintext: Buffer.from("x") }]));
    expect(ciphertext).toMatch(/^vault:v\d+:/);
    expect(double.transitRequests("encrypt")).toHaveLength(3);
  });

  it("retries dropped connections (network errors)", async () => {
    const keyring = vaultKeyring(double, { retries: 2 });
    double.dropNext(2);
    valuesOrThrow(await keyring.encrypt("kek", [{ plaintext: Buffer.from("x") }]));
    expect(double.transitRequests("encrypt")).toHaveLength(3);
  });

  it("gives up after the configured retries with KEYRING_UNAVAILABLE (SERVICE_UNAVAILABLE)", async () => {
    const keyring = vaultKeyring(double, { retries: 2 });
    double.failNext(3, 500);
    await expect(keyring.encrypt("kek", [{ plaintext: Buffer.from("Ada Lovelace") }])).rejects.toMatchObject({
      reason: "KEYRING_UNAVAILABLE",
      code: "SERVICE_UNAVAILABLE",
      status: 500,
    });
    expect(double.transitRequests("encrypt")).toHaveLength(3);
  });

  it("never retries a 4xx", async () => {
    const keyring = vaultKeyring(double, { retries: 3 });
    double.failNext(1, 400, { errors: ["something about the request"] });
    await expect(keyring.encrypt("kek", [{ plaintext: Buffer.from("x") }])).rejects.toMatchObject({
      reason: "KEYRING_ERROR",
      code: "INTERNAL",
    });
    expect(double.transitRequests("encrypt")).toHaveLength(1);
  });

  it("times out a slow response, retries it, and reports KEYRING_UNAVAILABLE when it stays slow", async () => {
    const keyring = vaultKeyring(double, { timeoutMs: 50, retries: 1 });
    double.delayNext(1, 300);
    valuesOrThrow(await keyring.encrypt("kek", [{ plaintext: Buffer.from("x") }]));
    expect(double.transitRequests("encrypt")).toHaveLength(2);

    double.requests.length = 0;
    double.delayNext(2, 300);
    const started = Date.now();
    await expect(keyring.encrypt("kek", [{ plaintext: Buffer.from("x") }])).rejects.toMatchObject({
      reason: "KEYRING_UNAVAILABLE",
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("reports an unreachable Vault as KEYRING_UNAVAILABLE", async () => {
    const keyring = vaultKeyring({ url: "http://127.0.0.1:9" }, { retries: 1 });
    await expect(keyring.encrypt("kek", [{ plaintext: Buffer.from("Ada") }])).rejects.toMatchObject({
      reason: "KEYRING_UNAVAILABLE",
      code: "SERVICE_UNAVAILABLE",
      message: expect.not.stringContaining("Ada"),
    });
  });

  it("does not retry rotate (a lost response must not add a second version)", async () => {
    const keyring = vaultKeyring(double, { retries: 3 });
    await keyring.ensureKey("rotating", "aes256-gcm96");
    double.failNext(1, 502);
    await expect(keyring.rotate("rotating")).rejects.toMatchObject({ reason: "KEYRING_UNAVAILABLE" });
    expect(double.requests.filter((r) => r.path.endsWith("/rotate"))).toHaveLength(1);
    expect(await keyring.rotate("rotating")).toBe(2);
    expect(double.requests.filter((r) => r.path === "/v1/transit/keys/trustid-rotating/rotate")).toHaveLength(
      2,
    );
  });

  it("maps a refused static token to KEYRING_DENIED without retrying", async () => {
    const keyring = vaultKeyring(double, { token: "hvs.revoked", retries: 3 });
    await expect(keyring.keyInfo("kek")).rejects.toMatchObject({ reason: "KEYRING_DENIED", status: 403 });
    expect(double.requests).toHaveLength(1);
  });

  it("logs in with AppRole, and logs in again when the token is refused", async () => {
    const keyring = vaultKeyring(double, { token: undefined, roleId: "role-1", secretId: "secret-1" });
    const loginsBefore = double.logins;
    await keyring.keyInfo("kek");
    expect(double.logins).toBe(loginsBefore + 1);
    expect(double.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/auth/approle/login",
      body: { role_id: "role-1", secret_id: "secret-1" },
    });
    expect(double.requests[1]?.token).toMatch(/^hvs\.double-/);

    double.revokeTokens();
    double.requests.length = 0;
    const info = await keyring.keyInfo("kek");
    expect(info.type).toBe("aes256-gcm96");
    expect(double.logins).toBe(loginsBefore + 2);
    expect(double.requests.map((r) => r.path)).toEqual([
      "/v1/transit/keys/trustid-kek",
      "/v1/auth/approle/login",
      "/v1/transit/keys/trustid-kek",
    ]);
    // Revocation cleared the static token too; the other tests use it.
    double.acceptToken(TEST_TOKEN);
  });

  it("logs in again before the token's lease runs out", async () => {
    const shortLease = await VaultDouble.start({
      appRole: { roleId: "r", secretId: "s", leaseSeconds: 0.05 },
    });
    try {
      const keyring = vaultKeyring(shortLease, { token: undefined, roleId: "r", secretId: "s" });
      await keyring.ensureKey("k", "hmac");
      await new Promise((resolve) => setTimeout(resolve, 80));
      await keyring.keyInfo("k");
      expect(shortLease.logins).toBe(2);
      expect(shortLease.requests.filter((r) => r.path === "/v1/auth/approle/login")).toHaveLength(2);
      expect(shortLease.requests.at(-1)?.token).toBe("hvs.double-2");
    } finally {
      await shortLease.stop();
    }
  });

  it("reports wrong AppRole credentials as KEYRING_DENIED", async () => {
    const keyring = vaultKeyring(double, { token: undefined, roleId: "role-1", secretId: "wrong" });
    await expect(keyring.keyInfo("kek")).rejects.toMatchObject({
      reason: "KEYRING_DENIED",
      code: "INTERNAL",
    });
  });

  it("rewraps plain ciphertexts with /rewrap, and ones bound to associated data with decrypt + encrypt", async () => {
    const keyring = vaultKeyring(double);
    await keyring.ensureKey("wrapping", "aes256-gcm96");
    const ad = Buffer.from("subject-1");
    const [plain, bound] = valuesOrThrow(
      await keyring.encrypt("wrapping", [
        { plaintext: Buffer.from("p") },
        { plaintext: Buffer.from("b"), associatedData: ad },
      ]),
    );
    await keyring.rotate("wrapping");
    double.requests.length = 0;
    const rewrapped = valuesOrThrow(
      await keyring.rewrap("wrapping", [{ ciphertext: bound!, associatedData: ad }, { ciphertext: plain! }]),
    );
    expect(rewrapped.every((c) => c.startsWith("vault:v2:"))).toBe(true);
    expect(double.requests.map((r) => `${r.path.split("/")[3]}:${r.body.batch_input?.length}`)).toEqual([
      "rewrap:1",
      "decrypt:1",
      "encrypt:1",
    ]);
    const opened = valuesOrThrow(
      await keyring.decrypt("wrapping", [
        { ciphertext: rewrapped[0]!, associatedData: ad },
        { ciphertext: rewrapped[1]! },
      ]),
    );
    expect(opened.map((b) => b.toString())).toEqual(["b", "p"]);
  });

  it("uses the transit key path for rotation, never Vault's barrier-key rotate endpoint", async () => {
    const keyring = vaultKeyring(double);
    await keyring.ensureKey("path-check", "aes256-gcm96");
    double.requests.length = 0;
    await keyring.rotate("path-check");
    expect(double.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/transit/keys/trustid-path-check/rotate",
    });
    expect(double.requests.some((r) => r.path === "/v1/sys/rotate")).toBe(false);
  });

  it("sends a pinned HMAC key version and creates hmac keys with a key size", async () => {
    const keyring = vaultKeyring(double);
    await keyring.ensureKey("index", "hmac");
    expect(
      double.requests.find((r) => r.method === "POST" && r.path === "/v1/transit/keys/trustid-index")?.body,
    ).toEqual({
      type: "hmac",
      key_size: 32,
    });
    await keyring.hmac("index", [Buffer.from("a")], { keyVersion: 1 });
    expect(double.transitRequests("hmac")[0]?.body).toEqual({
      key_version: 1,
      batch_input: [{ input: "YQ==" }],
    });
  });
});
