export interface BackoffOptions {
  /** Delay cap of the first retry; doubles per attempt. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 5000 };

/**
 * Exponential backoff with "equal jitter": between half and all of the capped exponential delay. The floor keeps
 * a retry from hammering a recovering server; the jitter keeps N replicas that failed together from retrying
 * in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  return Math.round(cap / 2 + random() * (cap / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
