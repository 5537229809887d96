import type { KeyObject } from "node:crypto";
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyOptions, jwtVerify } from "jose";
import { type Config, parsePublicKey } from "../config.js";
import { ROLES, type Role, type Viewer } from "../context.js";
import { ServiceUnavailableError, UnauthenticatedError } from "../errors.js";
import { devPublicJwk } from "./dev-keys.js";

/** Why a token was refused, in `extensions.reason`: enough for a client to know whether to refresh. */
export type TokenRefusal = "TOKEN_EXPIRED" | "TOKEN_INVALID";

export class InvalidTokenError extends UnauthenticatedError {
  constructor(readonly refusal: TokenRefusal) {
    super(refusal === "TOKEN_EXPIRED" ? "The token has expired" : "The token is not valid", refusal);
  }
}

/**
 * Turns a client's credentials into a Viewer. Used by the HTTP path (`Authorization` header) and, with the
 * same string, by websocket clients (`connectionParams.authorization`).
 */
export interface TokenVerifier {
  /** null when there is no credential at all (anonymous); throws InvalidTokenError for a bad one. */
  authenticate(authorization: string | null | undefined): Promise<Viewer | null>;
  verify(token: string): Promise<Viewer>;
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)[ ]*$/i;

/**
 * Verification with jose: the key comes from TRUSTID_JWKS_URL (fetched and cached by jose), or
 * TRUSTID_JWT_PUBLIC_KEY (PEM or JWK), or, outside production with neither set, the development key under
 * the data directory. The algorithm allow-list is the configured one: jose never accepts `none`, and an HMAC
 * algorithm cannot be used with an asymmetric key (jose refuses the key type), so the classic "sign HS256 with
 * the public key" confusion fails even if an operator lists HS256.
 */
export async function createTokenVerifier(config: Config): Promise<TokenVerifier> {
  const { auth } = config;
  const options: JWTVerifyOptions = {
    issuer: auth.issuer,
    audience: auth.audience,
    algorithms: auth.algorithms,
    clockTolerance: auth.clockToleranceSeconds,
    requiredClaims: ["exp", "sub"],
  };
  let verifyJwt: (token: string) => Promise<JWTPayload>;
  if (auth.jwksUrl) {
    const jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
    verifyJwt = async (token) => {
      try {
        return (await jwtVerify(token, jwks, options)).payload;
      } catch (error) {
        // The identity provider's key set could not be fetched: not the client's fault, and not a reason to
        // tell it its token is bad. With a JWKS, every refusal of the token itself is a JOSEError.
        if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
          throw new ServiceUnavailableError("Token verification keys are unavailable", "JWKS_UNAVAILABLE");
        }
        throw error;
      }
    };
  } else {
    const key: KeyObject = auth.publicKey
      ? parsePublicKey(auth.publicKey)
      : parsePublicKey(JSON.stringify(await devPublicJwk(config)));
    verifyJwt = async (token) => (await jwtVerify(token, key, options)).payload;
  }

  const verify = async (token: string): Promise<Viewer> => {
    let payload: JWTPayload;
    try {
      payload = await verifyJwt(token);
    } catch (error) {
      if (error instanceof ServiceUnavailableError) throw error;
      throw new InvalidTokenError(error instanceof errors.JWTExpired ? "TOKEN_EXPIRED" : "TOKEN_INVALID");
    }
    return viewerOf(payload);
  };

  return {
    verify,
    async authenticate(authorization) {
      if (authorization === undefined || authorization === null || authorization === "") return null;
      const match = BEARER.exec(authorization);
      if (!match?.[1]) throw new InvalidTokenError("TOKEN_INVALID");
      return verify(match[1]);
    },
  };
}

/** `sub` is required by the verify options; `roles`, when present, must be an array of strings. */
export function viewerOf(payload: JWTPayload): Viewer {
  const roles = payload.roles ?? [];
  if (typeof payload.sub !== "string" || payload.sub === "" || !Array.isArray(roles)) {
    throw new InvalidTokenError("TOKEN_INVALID");
  }
  if (roles.some((r) => typeof r !== "string")) throw new InvalidTokenError("TOKEN_INVALID");
  // Unknown roles are ignored rather than refused: an identity provider may carry roles for other systems.
  const known = [...new Set(roles as string[])].filter((r): r is Role =>
    (ROLES as readonly string[]).includes(r),
  );
  return { subject: payload.sub, roles: known };
}
