import { setTimeout as sleep } from "node:timers/promises";

/** Work a service has started and not yet answered, so that a shutdown can wait for it, up to a deadline. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  get size(): number {
    return this.running.size;
  }

  /** Counts `work` as in flight until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    const tracked: Promise<unknown> = work.catch(() => {}).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return work;
  }

  /** Whether everything in flight now has settled within `ms`. */
  async settled(ms: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    const timeout = new AbortController();
    const all = Promise.allSettled([...this.running]).then(() => true);
    const late = sleep(ms, false, { signal: timeout.signal }).catch(() => false);
    const done = await Promise.race([all, late]);
    timeout.abort();
    return done;
  }

  /**
   * A shutdown's wait: everything in flight gets `graceMs` to settle; what has not by then is asked to `stop`
   * and gets `stopMs` more. Resolves whether everything settled.
   */
  async drain(graceMs: number, stop: () => void, stopMs: number): Promise<boolean> {
    if (await this.settled(graceMs)) return true;
    stop();
    return this.settled(stopMs);
  }
}
