import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { jwtVerify, SignJWT } from "jose";
import type { Config } from "../config.js";
import { ROLES, type Role, type Viewer } from "../context.js";
import { readOrCreateSecretFile } from "./secret-file.js";

/**
 * Gateway → subgraph trust. The gateway sends, with every subgraph request, a short-lived HS256 JWT that
 * carries who is calling (`sub`, `roles`), the request id (`rid`), the subgraph it is meant for (`aud`) and
 * the SHA-256 of the exact request body (`bh`). A subgraph executes nothing without one: a direct call, a
 * token meant for another subgraph, or a captured context replayed with a different query is refused.
 *
 * HS256 with a shared secret rather than a key pair: the gateway and the subgraphs are one deployment, the
 * secret is already a required production setting, and an HMAC costs microseconds on every subgraph call.
 */
export const GATEWAY_CONTEXT_HEADER = "x-trustid-context";
const ISSUER = "trustid-gateway";
const ALGORITHM = "HS256";
/** Long enough for a slow subgraph queue, short enough that a leaked context is soon worthless. */
export const GATEWAY_CONTEXT_TTL_SECONDS = 60;
/** Subgraph clocks may trail the gateway's by a little. */
const CLOCK_TOLERANCE_SECONDS = 5;

export interface GatewayContextClaims {
  /** The subgraph name the request is for. */
  audience: string;
  viewer: Viewer | null;
  requestId: string;
  /** The exact bytes of the body that will be sent. */
  body: string;
}

export class GatewayContextError extends Error {
  constructor(readonly reason: string) {
    super(`gateway context refused: ${reason}`);
    this.name = "GatewayContextError";
  }
}

/**
 * TRUSTID_GATEWAY_SIGNING_SECRET, or, outside production, a random secret under the data directory that every
 * local service reads (made once, atomically).
 */
export function gatewaySigningSecret(config: Config): Uint8Array {
  const configured = config.auth.gatewaySigningSecret;
  if (configured) return new TextEncoder().encode(configured);
  if (config.production) throw new Error("TRUSTID_GATEWAY_SIGNING_SECRET is required in production");
  const secret = readOrCreateSecretFile(config.dataDir, "gateway-signing-secret", () =>
    randomBytes(32).toString("base64url"),
  ).trim();
  if (secret.length < 32) throw new Error(`${config.dataDir}/gateway-signing-secret is too short`);
  return new TextEncoder().encode(secret);
}

export function bodyHash(body: string): string {
  return createHash("sha256").update(body, "utf8").digest("base64url");
}

export function signGatewayContext(secret: Uint8Array, claims: GatewayContextClaims): Promise<string> {
  const jwt = new SignJWT({
    roles: claims.viewer?.roles ?? [],
    rid: claims.requestId,
    bh: bodyHash(claims.body),
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(claims.audience)
    .setIssuedAt()
    .setExpirationTime(`${GATEWAY_CONTEXT_TTL_SECONDS}s`);
  // An anonymous client has no subject: the subgraph sees no viewer and answers UNAUTHENTICATED.
  if (claims.viewer) jwt.setSubject(claims.viewer.subject);
  return jwt.sign(secret);
}

/** What a subgraph runs before anything else: the viewer the gateway vouches for, or a GatewayContextError. */
export type GatewayContextVerifier = (req: IncomingMessage, body: string) => Promise<Viewer | null>;

export function createGatewayContextVerifier(secret: Uint8Array, audience: string): GatewayContextVerifier {
  return async (req, body) => {
    // The body hash binds the context to the query only when the query is in the body: the gateway always
    // POSTs, so a GET (query in the URL) cannot be from it.
    if (req.method !== "POST") throw new GatewayContextError("method");
    const header = req.headers[GATEWAY_CONTEXT_HEADER];
    if (typeof header !== "string" || header === "") throw new GatewayContextError("missing");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(header, secret, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: GATEWAY_CONTEXT_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp", "iat", "bh", "rid"],
      }));
    } catch {
      throw new GatewayContextError("signature or claims");
    }
    if (payload.bh !== bodyHash(body)) throw new GatewayContextError("body");
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    if (typeof payload.sub !== "string") return null;
    return {
      subject: payload.sub,
      roles: roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r)),
    };
  };
}
