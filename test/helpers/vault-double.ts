import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A Vault transit protocol double: a real HTTP server on 127.0.0.1 that answers the transit and AppRole
 * endpoints the Vault adapter uses, with Vault's JSON shapes, status codes and error sentences (a batch with a
 * failed item is a 400 carrying every item's result; a bad token is a 403 "permission denied"), and real
 * cryptography in Vault's formats. Like Vault, rewrap ignores associated_data.
 *
 * Faults are queued and consumed one request at a time: an HTTP status, a delay (for timeouts), or a dropped
 * connection (a network error).
 */
export interface VaultDoubleOptions {
  /** A token accepted from the start (VAULT_TOKEN). */
  token?: string;
  appRole?: { roleId: string; secretId: string; mount?: string; leaseSeconds?: number };
  mount?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  token?: string;
  namespace?: string;
  body: Json;
}

// biome-ignore lint/suspicious/noExplicitAny: Vault's request bodies are loose JSON, read field by field.
type Json = any;

type Fault =
  | { kind: "status"; status: number; body: unknown }
  | { kind: "delay"; ms: number }
  | { kind: "drop" };

interface Version {
  aes?: Buffer;
  hmac: Buffer;
  privateKey?: KeyObject;
  publicRaw?: Buffer;
  created: number;
}

interface Key {
  type: string;
  latest: number;
  minDecryption: number;
  versions: Map<number, Version>;
}

const TOO_OLD = "ciphertext or signature version is disallowed by policy (too old)";

export class VaultDouble {
  readonly requests: RecordedRequest[] = [];
  readonly keys = new Map<string, Key>();
  logins = 0;
  private readonly tokens = new Set<string>();
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly mount: string;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: VaultDoubleOptions,
  ) {
    this.mount = options.mount ?? "transit";
    if (options.token) this.tokens.add(options.token);
  }

  static async start(options: VaultDoubleOptions = {}): Promise<VaultDouble> {
    let double: VaultDouble | undefined;
    const server = createServer((req, res) => void double!.handle(req, res));
    server.on("connection", (socket) => {
      double?.sockets.add(socket);
      socket.on("close", () => double?.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    double = new VaultDouble(server, `http://127.0.0.1:${port}`, options);
    return double;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  failNext(count: number, status: number, body: unknown = { errors: [`injected ${status}`] }): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: "status", status, body });
  }

  delayNext(count: number, ms: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: "delay", ms });
  }

  dropNext(count: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: "drop" });
  }

  /** Every issued token stops working (expiry or revocation): the next request gets 403. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  acceptToken(token: string): void {
    this.tokens.add(token);
  }

  transitRequests(operation: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(`/v1/${this.mount}/${operation}`));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? "/").split("?")[0]!;
    const body = raw ? JSON.parse(raw) : {};
    this.requests.push({
      method: req.method ?? "GET",
      path,
      token: header(req, "x-vault-token"),
      namespace: header(req, "x-vault-namespace"),
      body,
    });
    const fault = this.faults.shift();
    if (fault?.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === "status") return send(res, fault.status, fault.body);
    try {
      const [status, payload] = this.route(req.method ?? "GET", path, body, header(req, "x-vault-token"));
      send(res, status, payload);
    } catch (error) {
      send(res, 500, { errors: [String(error)] });
    }
  }

  private route(method: string, path: string, body: Json, token?: string): [number, unknown] {
    const appRole = this.options.appRole;
    if (appRole && method === "POST" && path === `/v1/auth/${appRole.mount ?? "approle"}/login`) {
      if (body.role_id !== appRole.roleId || body.secret_id !== appRole.secretId) {
        return [400, { errors: ["invalid role or secret ID"] }];
      }
      this.logins++;
      const clientToken = `hvs.double-${this.logins}`;
      this.tokens.add(clientToken);
      return [
        200,
        {
          auth: { client_token: clientToken, lease_duration: appRole.leaseSeconds ?? 3600, renewable: true },
        },
      ];
    }
    if (!token || !this.tokens.has(token)) return [403, { errors: ["permission denied"] }];

    const prefix = `/v1/${this.mount}/`;
    if (!path.startsWith(prefix)) return [404, { errors: [] }];
    const parts = path.slice(prefix.length).split("/").map(decodeURIComponent);
    const [operation, name, action] = parts;
    if (!operation || !name) return [404, { errors: [] }];

    if (operation === "keys") {
      if (method === "GET" && !action)
        return this.keys.has(name) ? [200, { data: this.describe(name) }] : [404, { errors: [] }];
      if (method === "POST" && !action) {
        if (!this.keys.has(name)) this.create(name, body.type ?? "aes256-gcm96");
        return [204, null];
      }
      const key = this.keys.get(name);
      if (!key) return [400, { errors: ["key not found"] }];
      if (method === "POST" && action === "rotate") {
        key.latest++;
        key.versions.set(key.latest, newVersion(key.type));
        return [200, { data: this.describe(name) }];
      }
      if (method === "POST" && action === "config") {
        const min = Number(body.min_decryption_version ?? key.minDecryption);
        if (min > key.latest)
          return [400, { errors: ["cannot set min decryption version to a value greater than latest"] }];
        key.minDecryption = Math.max(1, min);
        return [200, { data: this.describe(name) }];
      }
      return [405, { errors: [] }];
    }

    const key = this.keys.get(name);
    if (!key) return [400, { errors: ["encryption key not found"] }];
    const items: Json[] = Array.isArray(body.batch_input) ? body.batch_input : [body];
    if (
      operation === "hmac" &&
      body.key_version !== undefined &&
      !key.versions.has(Number(body.key_version))
    ) {
      return [400, { errors: ["invalid key version"] }];
    }
    const results = items.map((item) => {
      try {
        return this.item(operation, key, item, body);
      } catch (error) {
        return { error: (error as Error).message };
      }
    });
    const failed = results.some((r) => "error" in r);
    return [failed ? 400 : 200, { data: { batch_results: results } }];
  }

  private item(operation: string, key: Key, item: Json, body: Json): Record<string, unknown> {
    const ad = item.associated_data ? Buffer.from(item.associated_data, "base64") : undefined;
    switch (operation) {
      case "encrypt":
        requireAead(key);
        return {
          ciphertext: seal(key, key.latest, Buffer.from(item.plaintext ?? "", "base64"), ad),
          key_version: key.latest,
        };
      case "decrypt":
        requireAead(key);
        return { plaintext: open(key, item.ciphertext, ad).toString("base64") };
      case "rewrap": {
        requireAead(key);
        // Like Vault (hashicorp/vault#31791): associated_data is not passed to the decryption.
        const plaintext = open(key, item.ciphertext, undefined);
        return { ciphertext: seal(key, key.latest, plaintext, undefined), key_version: key.latest };
      }
      case "hmac": {
        const version = Number(body.key_version ?? key.latest);
        const mac = createHmac("sha256", key.versions.get(version)!.hmac)
          .update(Buffer.from(item.input ?? "", "base64"))
          .digest();
        return { hmac: `vault:v${version}:${mac.toString("base64")}` };
      }
      case "sign": {
        if (key.type !== "ed25519") throw new Error(`message signing not supported for key type ${key.type}`);
        const signature = sign(
          null,
          Buffer.from(item.input ?? "", "base64"),
          key.versions.get(key.latest)!.privateKey!,
        );
        return { signature: `vault:v${key.latest}:${signature.toString("base64")}` };
      }
      case "verify": {
        if (key.type !== "ed25519")
          throw new Error(`message verification not supported for key type ${key.type}`);
        const [version, bytes] = versioned(key, String(item.signature ?? ""), "signature");
        const version_ = key.versions.get(version)!;
        let valid = false;
        try {
          valid = verify(null, Buffer.from(item.input ?? "", "base64"), version_.privateKey!, bytes);
        } catch {
          valid = false;
        }
        return { valid };
      }
      default:
        throw new Error("unsupported path");
    }
  }

  private create(name: string, type: string): void {
    this.keys.set(name, { type, latest: 1, minDecryption: 1, versions: new Map([[1, newVersion(type)]]) });
  }

  private describe(name: string): Record<string, unknown> {
    const key = this.keys.get(name)!;
    const keys: Record<string, unknown> = {};
    for (const [v, version] of key.versions) {
      if (v < key.minDecryption) continue;
      keys[String(v)] =
        key.type === "ed25519"
          ? {
              public_key: version.publicRaw!.toString("base64"),
              creation_time: new Date(version.created).toISOString(),
              name: "ed25519",
            }
          : Math.floor(version.created / 1000);
    }
    return {
      name,
      type: key.type,
      latest_version: key.latest,
      min_decryption_version: key.minDecryption,
      min_encryption_version: 0,
      keys,
      supports_encryption: key.type === "aes256-gcm96",
      supports_signing: key.type === "ed25519",
    };
  }
}

function newVersion(type: string): Version {
  const created = Date.now();
  if (type === "ed25519") {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const publicRaw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
    return { privateKey, publicRaw, hmac: randomBytes(32), created };
  }
  if (type === "hmac") return { hmac: randomBytes(32), created };
  return { aes: randomBytes(32), hmac: randomBytes(32), created };
}

function requireAead(key: Key): void {
  if (key.type !== "aes256-gcm96")
    throw new Error(`message encryption not supported for key type ${key.type}`);
}

function versioned(key: Key, value: string, what: "ciphertext" | "signature"): [number, Buffer] {
  const match = /^vault:v(\d+):(.*)$/.exec(value);
  if (!match) throw new Error(`invalid ${what}: no prefix`);
  const version = Number(match[1]);
  if (version > key.latest) throw new Error(`invalid ${what}: version is too new`);
  if (version < key.minDecryption) throw new Error(TOO_OLD);
  return [version, Buffer.from(match[2]!, "base64")];
}

function seal(key: Key, version: number, plaintext: Buffer, ad?: Buffer): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.versions.get(version)!.aes!, nonce);
  if (ad) cipher.setAAD(ad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `vault:v${version}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64")}`;
}

function open(key: Key, ciphertext: string, ad?: Buffer): Buffer {
  const [version, bytes] = versioned(key, String(ciphertext ?? ""), "ciphertext");
  if (bytes.length < 28) throw new Error("invalid ciphertext: too short");
  const decipher = createDecipheriv("aes-256-gcm", key.versions.get(version)!.aes!, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  if (ad) decipher.setAAD(ad);
  try {
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
  } catch {
    throw new Error("cipher: message authentication failed");
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  if (res.destroyed) return;
  if (status === 204 || payload === null) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(payload);
  res
    .writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
    .end(text);
}
