import { createPublicKey, verify as cryptoVerify, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BatchResult, type Keyring, valuesOrThrow } from "../../../shared/keyring/keyring.js";
import { KeyringError, type KeyringErrorReason } from "../../../shared/keyring/keyring-error.js";

export interface ContractSubject {
  keyring: Keyring;
  /** Releases what the factory set up (database, server). */
  cleanup?: () => Promise<void>;
}

/**
 * The keyring port's contract: what both adapters (local keyring, Vault transit) must do identically. Each run
 * uses fresh key names, so it can share a Vault server or a database with other runs.
 */
export function describeKeyringContract(name: string, factory: () => Promise<ContractSubject>): void {
  describe(`keyring contract: ${name}`, () => {
    let subject: ContractSubject;
    let keyring: Keyring;
    const suffix = randomBytes(4).toString("hex");
    const key = (label: string) => `contract-${label}-${suffix}`;

    beforeAll(async () => {
      subject = await factory();
      keyring = subject.keyring;
    });
    afterAll(async () => {
      await subject?.keyring.close();
      await subject?.cleanup?.();
    });

    it("creates a key once and refuses to reuse its name with another type", async () => {
      const first = await keyring.ensureKey(key("ensure"), "aes256-gcm96");
      const again = await keyring.ensureKey(key("ensure"), "aes256-gcm96");
      expect(first).toMatchObject({
        type: "aes256-gcm96",
        latestVersion: 1,
        minDecryptionVersion: 1,
        versions: [1],
      });
      expect(again.latestVersion).toBe(1);
      await expectReason(keyring.ensureKey(key("ensure"), "ed25519"), "KEY_TYPE_MISMATCH");
    });

    it("reports a missing key as KEY_NOT_FOUND", async () => {
      await expectReason(keyring.keyInfo(key("missing")), "KEY_NOT_FOUND");
      await expectReason(keyring.encrypt(key("missing"), [{ plaintext: Buffer.from("x") }]), "KEY_NOT_FOUND");
    });

    it("encrypts and decrypts a batch, with and without associated data, in Vault's format", async () => {
      const name = key("roundtrip");
      await keyring.ensureKey(name, "aes256-gcm96");
      const items = [
        { plaintext: Buffer.from("Ada Lovelace") },
        { plaintext: Buffer.from("ada@example.org"), associatedData: Buffer.from("users.email") },
        { plaintext: Buffer.alloc(0), associatedData: Buffer.from("empty") },
        { plaintext: randomBytes(32), associatedData: randomBytes(16) },
      ];
      const ciphertexts = valuesOrThrow(await keyring.encrypt(name, items));
      expect(ciphertexts).toHaveLength(4);
      for (const c of ciphertexts) expect(c).toMatch(/^vault:v1:[A-Za-z0-9+/]+=*$/);
      const decrypted = valuesOrThrow(
        await keyring.decrypt(
          name,
          ciphertexts.map((ciphertext, i) => ({ ciphertext, associatedData: items[i]!.associatedData })),
        ),
      );
      expect(decrypted.map((plaintext, i) => plaintext.equals(items[i]!.plaintext))).toEqual([
        true,
        true,
        true,
        true,
      ]);
      // A fresh nonce per encryption: equal plaintexts never give equal ciphertexts.
      const twice = valuesOrThrow(await keyring.encrypt(name, [items[0]!, items[0]!]));
      expect(twice[0]).not.toBe(twice[1]);
      expect(await keyring.encrypt(name, [])).toEqual([]);
    });

    it("fails bad items one by one (wrong or missing associated data, tampering, malformed, unknown version, wrong key)", async () => {
      const name = key("faults");
      const other = key("faults-other");
      await keyring.ensureKey(name, "aes256-gcm96");
      await keyring.ensureKey(other, "aes256-gcm96");
      const secret = "Grace Hopper, born 1906-12-09";
      const ad = Buffer.from("identity.users\0email\0subject-1");
      const [good] = valuesOrThrow(
        await keyring.encrypt(name, [{ plaintext: Buffer.from(secret), associatedData: ad }]),
      );
      const [foreign] = valuesOrThrow(
        await keyring.encrypt(other, [{ plaintext: Buffer.from(secret), associatedData: ad }]),
      );
      const results = await keyring.decrypt(name, [
        { ciphertext: good!, associatedData: ad },
        { ciphertext: good!, associatedData: Buffer.from("identity.users\0email\0subject-2") },
        { ciphertext: good! },
        { ciphertext: tamper(good!), associatedData: ad },
        { ciphertext: "not-a-ciphertext", associatedData: ad },
        { ciphertext: good!.replace("vault:v1:", "vault:v99:"), associatedData: ad },
        { ciphertext: foreign!, associatedData: ad },
      ]);
      expect(results[0]).toMatchObject({ ok: true });
      expect(reasons(results)).toEqual([
        null,
        "DECRYPT_FAILED",
        "DECRYPT_FAILED",
        "DECRYPT_FAILED",
        "INVALID_CIPHERTEXT",
        "UNKNOWN_KEY_VERSION",
        "DECRYPT_FAILED",
      ]);
      results.forEach((result, i) => {
        if (result.ok) return;
        expect(result.error).toBeInstanceOf(KeyringError);
        expect(result.error.index).toBe(i);
        // Nothing personal and no key material in what gets logged or returned to a client.
        const exposed = `${result.error.message} ${JSON.stringify(result.error)} ${JSON.stringify(result.error.toGraphQLError())}`;
        expect(exposed).not.toContain("Grace");
        expect(exposed).not.toContain(good!.slice(9, 30));
      });
    });

    it("rotates: new encryptions use the new version, old ciphertexts still decrypt, rewrap moves them, retiring stops the old", async () => {
      const name = key("rotate");
      await keyring.ensureKey(name, "aes256-gcm96");
      const ad = Buffer.from("bound");
      const [plainV1, boundV1] = valuesOrThrow(
        await keyring.encrypt(name, [
          { plaintext: Buffer.from("one") },
          { plaintext: Buffer.from("two"), associatedData: ad },
        ]),
      );
      expect(await keyring.rotate(name)).toBe(2);
      expect(await keyring.keyInfo(name)).toMatchObject({
        latestVersion: 2,
        minDecryptionVersion: 1,
        versions: [1, 2],
      });
      const [v2] = valuesOrThrow(await keyring.encrypt(name, [{ plaintext: Buffer.from("three") }]));
      expect(v2).toMatch(/^vault:v2:/);

      const rewrapped = valuesOrThrow(
        await keyring.rewrap(name, [{ ciphertext: plainV1! }, { ciphertext: boundV1!, associatedData: ad }]),
      );
      for (const c of rewrapped) expect(c).toMatch(/^vault:v2:/);
      const reopened = valuesOrThrow(
        await keyring.decrypt(name, [
          { ciphertext: rewrapped[0]! },
          { ciphertext: rewrapped[1]!, associatedData: ad },
        ]),
      );
      expect(reopened.map((b) => b.toString())).toEqual(["one", "two"]);
      // Rewrapping with the wrong associated data fails that item only.
      const wrong = await keyring.rewrap(name, [
        { ciphertext: boundV1!, associatedData: Buffer.from("other") },
        { ciphertext: v2! },
      ]);
      expect(reasons(wrong)).toEqual(["DECRYPT_FAILED", null]);

      const info = await keyring.setMinDecryptionVersion(name, 2);
      expect(info).toMatchObject({ latestVersion: 2, minDecryptionVersion: 2, versions: [2] });
      const afterRetire = await keyring.decrypt(name, [
        { ciphertext: plainV1! },
        { ciphertext: rewrapped[0]! },
      ]);
      expect(reasons(afterRetire)).toEqual(["KEY_VERSION_RETIRED", null]);
    });

    it("computes HMACs that are deterministic per version, and pinned versions survive rotation", async () => {
      const name = key("hmac");
      await keyring.ensureKey(name, "hmac");
      const inputs = [
        Buffer.from("ada@example.org"),
        Buffer.from("grace@example.org"),
        Buffer.from("ada@example.org"),
      ];
      const first = valuesOrThrow(await keyring.hmac(name, inputs));
      expect(first[0]).toMatch(/^vault:v1:[A-Za-z0-9+/]{43}=$/);
      expect(first[0]).toBe(first[2]);
      expect(first[0]).not.toBe(first[1]);
      await keyring.rotate(name);
      const latest = valuesOrThrow(await keyring.hmac(name, inputs.slice(0, 1)));
      expect(latest[0]).toMatch(/^vault:v2:/);
      const pinned = valuesOrThrow(await keyring.hmac(name, inputs.slice(0, 1), { keyVersion: 1 }));
      expect(pinned[0]).toBe(first[0]);
      await expectReason(keyring.hmac(name, inputs.slice(0, 1), { keyVersion: 9 }), "UNKNOWN_KEY_VERSION");
    });

    it("signs with Ed25519, verifies, and publishes public keys any verifier can use", async () => {
      const name = key("ed25519");
      await keyring.ensureKey(name, "ed25519");
      const inputs = [Buffer.from("did:indy:sovrin:7Tqg6BwSSWapxgUDm9KKgg"), Buffer.from("txn 42")];
      const signatures = valuesOrThrow(await keyring.sign(name, inputs));
      for (const s of signatures) expect(s).toMatch(/^vault:v1:[A-Za-z0-9+/]{86}==$/);
      const checks = valuesOrThrow(
        await keyring.verify(name, [
          { input: inputs[0]!, signature: signatures[0]! },
          { input: inputs[1]!, signature: signatures[1]! },
          { input: Buffer.from("txn 43"), signature: signatures[1]! },
        ]),
      );
      expect(checks).toEqual([true, true, false]);

      const [published] = await keyring.publicKeys(name);
      expect(published?.version).toBe(1);
      expect(published?.publicKey).toHaveLength(32);
      const verifier = createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: published!.publicKey.toString("base64url") },
        format: "jwk",
      });
      const raw = Buffer.from(signatures[0]!.slice("vault:v1:".length), "base64");
      expect(cryptoVerify(null, inputs[0]!, verifier, raw)).toBe(true);

      await keyring.rotate(name);
      expect((await keyring.publicKeys(name)).map((k) => k.version)).toEqual([1, 2]);
      const [v2] = valuesOrThrow(await keyring.sign(name, inputs.slice(0, 1)));
      expect(v2).toMatch(/^vault:v2:/);
      await keyring.setMinDecryptionVersion(name, 2);
      const retired = await keyring.verify(name, [
        { input: inputs[0]!, signature: signatures[0]! },
        { input: inputs[0]!, signature: v2! },
        { input: inputs[0]!, signature: "garbage" },
      ]);
      expect(reasons(retired)).toEqual(["KEY_VERSION_RETIRED", null, "INVALID_CIPHERTEXT"]);
      expect((await keyring.publicKeys(name)).map((k) => k.version)).toEqual([2]);
    });

    it("refuses operations a key's type does not support", async () => {
      const name = key("typed");
      await keyring.ensureKey(name, "ed25519");
      await expectEveryItemFails(
        keyring.encrypt(name, [{ plaintext: Buffer.from("x") }]),
        "UNSUPPORTED_OPERATION",
      );
      const aes = key("typed-aes");
      await keyring.ensureKey(aes, "aes256-gcm96");
      await expectEveryItemFails(keyring.sign(aes, [Buffer.from("x")]), "UNSUPPORTED_OPERATION");
    });
  });
}

function tamper(ciphertext: string): string {
  const [prefix, version, payload] = ciphertext.split(":");
  const bytes = Buffer.from(payload!, "base64");
  bytes[14] = bytes[14]! ^ 0x01;
  return `${prefix}:${version}:${bytes.toString("base64")}`;
}

function reasons<T>(results: BatchResult<T>): Array<KeyringErrorReason | null> {
  return results.map((r) => (r.ok ? null : r.error.reason));
}

async function expectReason(promise: Promise<unknown>, reason: KeyringErrorReason): Promise<void> {
  await expect(promise).rejects.toMatchObject({ reason });
}

/** Vault fails such items one by one, the local keyring fails the call: either way nothing succeeds. */
async function expectEveryItemFails<T>(
  promise: Promise<BatchResult<T>>,
  reason: KeyringErrorReason,
): Promise<void> {
  try {
    const results = await promise;
    expect(reasons(results).every((r) => r === reason)).toBe(true);
  } catch (error) {
    expect(error).toMatchObject({ reason });
  }
}
