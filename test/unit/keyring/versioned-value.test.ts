import { describe, expect, it } from "vitest";
import { formatVersioned, parseVersioned, versionOf } from "../../../shared/keyring/versioned-value.js";

describe("vault:v<N>:<base64> values", () => {
  it("round-trips version and bytes", () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
    const value = formatVersioned(12, bytes);
    expect(value).toBe(`vault:v12:${bytes.toString("base64")}`);
    expect(parseVersioned(value)).toEqual({ version: 12, bytes });
    expect(versionOf(value)).toBe(12);
  });

  it.each([
    "",
    "vault:v0:AAAA",
    "vault:v-1:AAAA",
    "vault:vx:AAAA",
    "vault:v1",
    "vault:v1:AA A",
    "vault:v1:AAA",
    "vault:v1:AAAA:extra",
    "vault:v01:AAAA",
    "Vault:v1:AAAA",
  ])("rejects %j", (value) => {
    expect(parseVersioned(value)).toBeNull();
  });

  it("reads the version without decoding the payload, and refuses what has none", () => {
    expect(versionOf("vault:v3:whatever")).toBe(3);
    expect(versionOf("vault:v0:x")).toBeNull();
    expect(versionOf("plain")).toBeNull();
  });
});
