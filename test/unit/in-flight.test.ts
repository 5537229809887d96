import { describe, expect, it } from "vitest";
import { InFlight } from "../../shared/in-flight.js";

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("InFlight", () => {
  it("counts work until it settles, failed work included", async () => {
    const work = new InFlight();
    const a = deferred();
    const failing = Promise.reject(new Error("boom"));
    work.track(a.promise);
    await expect(work.track(failing)).rejects.toThrow("boom");
    expect(work.size).toBe(1);
    a.resolve();
    await a.promise;
    await Promise.resolve();
    expect(work.size).toBe(0);
  });

  it("drains without asking to stop when the work settles within the grace period", async () => {
    const work = new InFlight();
    const a = deferred();
    work.track(a.promise);
    setTimeout(a.resolve, 10);
    let stops = 0;
    expect(await work.drain(5_000, () => stops++, 5_000)).toBe(true);
    expect(stops).toBe(0);
  });

  it("asks once to stop after the grace period, and reports work that outlives the stop too", async () => {
    const work = new InFlight();
    const stoppable = deferred();
    work.track(stoppable.promise);
    let stops = 0;
    const stop = () => {
      stops++;
      stoppable.resolve();
    };
    expect(await work.drain(20, stop, 5_000)).toBe(true);
    expect(stops).toBe(1);

    const stuck = deferred();
    work.track(stuck.promise);
    expect(await work.drain(10, () => stops++, 20)).toBe(false);
    expect(stops).toBe(2);
    stuck.resolve();
  });
});
