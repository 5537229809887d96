import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { aesGcmOpen, aesGcmSeal, KEY_BYTES } from "./aes-gcm.js";
import type { KeyType } from "./keyring.js";
import { KeyringError } from "./keyring-error.js";
import type { NewVersion, StoredVersion } from "./local-key-store.js";

/** One key version, unsealed and ready to use; held only in memory. */
export interface LoadedVersion {
  version: number;
  /** AES-256-GCM key (aes256-gcm96). */
  aes?: KeyObject;
  /** HMAC-SHA256 key: the material of an hmac key, or a derived one for an AES key (as Vault keeps a separate HMAC key per version). */
  hmac?: KeyObject;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
  publicRaw?: Buffer;
}

const SEAL_FORMAT = Buffer.from([1]);

/**
 * What the master key authenticates along with a version's material: the version cannot be moved to another
 * key, version number or type in the table without failing to unseal.
 */
function sealBinding(name: string, version: number, type: KeyType): Buffer {
  return Buffer.from(`trustid.keyring.v1\0${name}\0${version}\0${type}`, "utf8");
}

export function generateVersion(master: KeyObject, name: string, version: number, type: KeyType): NewVersion {
  let material: Buffer;
  let publicKey: Buffer | null = null;
  if (type === "ed25519") {
    const pair = generateKeyPairSync("ed25519");
    material = pair.privateKey.export({ format: "der", type: "pkcs8" });
    publicKey = rawEd25519PublicKey(pair.publicKey);
  } else {
    material = randomBytes(KEY_BYTES);
  }
  const wrappedMaterial = aesGcmSeal(master, material, sealBinding(name, version, type), SEAL_FORMAT);
  material.fill(0);
  return { wrappedMaterial, publicKey };
}

export function loadVersion(
  master: KeyObject,
  name: string,
  type: KeyType,
  stored: StoredVersion,
): LoadedVersion {
  const material =
    stored.wrappedMaterial[0] === SEAL_FORMAT[0]
      ? aesGcmOpen(
          master,
          stored.wrappedMaterial,
          sealBinding(name, stored.version, type),
          SEAL_FORMAT.length,
        )
      : null;
  if (!material) throw new KeyringError("MASTER_KEY_MISMATCH", { keyName: name });
  try {
    switch (type) {
      case "aes256-gcm96":
        return {
          version: stored.version,
          aes: createSecretKey(material),
          hmac: createSecretKey(
            Buffer.from(hkdfSync("sha256", material, Buffer.alloc(0), "trustid.keyring.hmac", 32)),
          ),
        };
      case "hmac":
        return { version: stored.version, hmac: createSecretKey(material) };
      case "ed25519": {
        const privateKey = createPrivateKey({ key: material, format: "der", type: "pkcs8" });
        const publicKey = createPublicKey(privateKey);
        return { version: stored.version, privateKey, publicKey, publicRaw: rawEd25519PublicKey(publicKey) };
      }
    }
  } finally {
    material.fill(0);
  }
}

function rawEd25519PublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  return Buffer.from(jwk.x ?? "", "base64url");
}
