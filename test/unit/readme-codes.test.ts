import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FieldErrorCodes } from "../../shared/validation/field-error.js";

describe("README", () => {
  it("documents every field error code the validation can produce, with its catalogue description", () => {
    const readme = readFileSync("README.md", "utf8");
    for (const [code, description] of Object.entries(FieldErrorCodes)) {
      expect(readme, code).toContain(`| \`${code}\` | ${description} |`);
    }
  });
});

describe("README configuration table", () => {
  it("lists every environment variable the configuration reads", async () => {
    const { ENV_VARIABLES } = await import("../../shared/config.js");
    const readme = readFileSync("README.md", "utf8");
    const table = readme.slice(
      readme.indexOf("## Configuration"),
      readme.indexOf("\n## ", readme.indexOf("## Configuration") + 5),
    );
    const missing = ENV_VARIABLES.filter((name) => !table.includes(name) && !rangeCovers(table, name));
    expect(missing).toEqual([]);
  });
});

/** The table writes numbered families as a range: `TRUSTID_IDENTITY_PORT` … `TRUSTID_ANALYTICS_PORT`. */
function rangeCovers(table: string, name: string): boolean {
  const family = name.replace(/^TRUSTID_(IDENTITY|CREDENTIAL|LEDGER|ANALYTICS)_/, "TRUSTID_*_");
  if (family === name) return false;
  const suffix = name.slice(name.lastIndexOf("_"));
  return table.includes(`TRUSTID_IDENTITY${suffix}\` … \`TRUSTID_ANALYTICS${suffix}`);
}
