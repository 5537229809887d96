import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  bodyHash,
  createGatewayContextVerifier,
  GATEWAY_CONTEXT_HEADER,
  GatewayContextError,
  gatewaySigningSecret,
  signGatewayContext,
} from "../../../shared/auth/gateway-context.js";
import { loadConfig } from "../../../shared/config.js";

const secret = new TextEncoder().encode("s".repeat(43));
const verify = createGatewayContextVerifier(secret, "identity");
const body = JSON.stringify({ query: "{ user(id: 1) { id } }" });

function request(headers: Record<string, string>, method = "POST") {
  return { method, headers } as unknown as IncomingMessage;
}

async function refusal(req: IncomingMessage, sentBody: string): Promise<string> {
  try {
    await verify(req, sentBody);
    return "accepted";
  } catch (error) {
    if (error instanceof GatewayContextError) return error.reason;
    throw error;
  }
}

const support = { subject: "agent-7", roles: ["support" as const] };

describe("the gateway's signed context (gateway → subgraph)", () => {
  it("carries the viewer to the subgraph it was signed for", async () => {
    const token = await signGatewayContext(secret, {
      audience: "identity",
      viewer: support,
      requestId: "r1",
      body,
    });
    expect(await verify(request({ [GATEWAY_CONTEXT_HEADER]: token }), body)).toEqual(support);
  });

  it("says anonymous when the client had no token", async () => {
    const token = await signGatewayContext(secret, {
      audience: "identity",
      viewer: null,
      requestId: "r1",
      body,
    });
    expect(await verify(request({ [GATEWAY_CONTEXT_HEADER]: token }), body)).toBeNull();
  });

  it("refuses a missing, foreign, mis-addressed, replayed, expired or GET request", async () => {
    const good = await signGatewayContext(secret, {
      audience: "identity",
      viewer: support,
      requestId: "r1",
      body,
    });
    const forCredential = await signGatewayContext(secret, {
      audience: "credential",
      viewer: support,
      requestId: "r1",
      body,
    });
    const otherSecret = await signGatewayContext(new TextEncoder().encode("t".repeat(43)), {
      audience: "identity",
      viewer: support,
      requestId: "r1",
      body,
    });
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ roles: ["admin"], rid: "r1", bh: bodyHash(body) })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("trustid-gateway")
      .setAudience("identity")
      .setSubject("agent-7")
      .setIssuedAt(now - 600)
      .setExpirationTime(now - 540)
      .sign(secret);
    // A long-lived context is refused too: the subgraph bounds the age itself, whatever exp says.
    const longLived = await new SignJWT({ roles: ["admin"], rid: "r1", bh: bodyHash(body) })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("trustid-gateway")
      .setAudience("identity")
      .setSubject("agent-7")
      .setIssuedAt(now - 3600)
      .setExpirationTime(now + 3600)
      .sign(secret);
    const other = JSON.stringify({ query: "{ users(first: 500) { edges { node { id } } } }" });
    expect({
      missing: await refusal(request({}), body),
      userToken: await refusal(request({ authorization: `Bearer ${good}` }), body),
      otherSubgraph: await refusal(request({ [GATEWAY_CONTEXT_HEADER]: forCredential }), body),
      otherSecret: await refusal(request({ [GATEWAY_CONTEXT_HEADER]: otherSecret }), body),
      replayedWithOtherBody: await refusal(request({ [GATEWAY_CONTEXT_HEADER]: good }), other),
      expired: await refusal(request({ [GATEWAY_CONTEXT_HEADER]: expired }), body),
      longLived: await refusal(request({ [GATEWAY_CONTEXT_HEADER]: longLived }), body),
      get: await refusal(request({ [GATEWAY_CONTEXT_HEADER]: good }, "GET"), body),
    }).toEqual({
      missing: "missing",
      userToken: "missing",
      otherSubgraph: "signature or claims",
      otherSecret: "signature or claims",
      replayedWithOtherBody: "body",
      expired: "signature or claims",
      longLived: "signature or claims",
      get: "method",
    });
  });

  it("makes one development secret (0600) that every local service shares", () => {
    const dir = mkdtempSync(join(tmpdir(), "tid-secret-"));
    const config = loadConfig({ NODE_ENV: "development", TRUSTID_DATA_DIR: dir });
    const first = gatewaySigningSecret(config);
    const second = gatewaySigningSecret(config);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
    const file = join(dir, "gateway-signing-secret");
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").length).toBeGreaterThanOrEqual(32);
  });

  it("uses TRUSTID_GATEWAY_SIGNING_SECRET when set, and never a generated one in production", () => {
    const configured = "c".repeat(40);
    const config = loadConfig({ TRUSTID_GATEWAY_SIGNING_SECRET: configured });
    expect(new TextDecoder().decode(gatewaySigningSecret(config))).toBe(configured);
    const production = {
      ...config,
      production: true,
      auth: { ...config.auth, gatewaySigningSecret: undefined },
    };
    expect(() => gatewaySigningSecret(production)).toThrow(/required in production/);
  });
});
