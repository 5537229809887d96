import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../../shared/keyring/retry-backoff.js";

describe("retry backoff", () => {
  const options = { baseMs: 100, maxMs: 1000 };

  it("doubles the cap per attempt up to the maximum", () => {
    const top = () => 1;
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, top))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it("jitters between half and all of the cap", () => {
    expect(backoffDelay(2, options, () => 0)).toBe(200);
    expect(backoffDelay(2, options, () => 0.5)).toBe(300);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, options);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });
});
