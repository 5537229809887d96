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
