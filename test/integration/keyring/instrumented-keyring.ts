import type { Keyring } from "../../../shared/keyring/keyring.js";
import type { KeyringError } from "../../../shared/keyring/keyring-error.js";

type Operation = Exclude<keyof Keyring, "driver">;

/**
 * Wraps a keyring to count calls per operation and to inject faults: `failNext(op, error)` makes the next call
 * reject, `failItem(op, index, error)` makes one item of the next call's result fail.
 */
export class InstrumentedKeyring {
  readonly calls: Record<string, number> = {};
  private readonly failures = new Map<string, KeyringError>();
  private readonly itemFailures = new Map<string, { index: number; error: KeyringError }>();
  readonly keyring: Keyring;

  constructor(inner: Keyring) {
    this.keyring = new Proxy(inner, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        const op = String(property);
        return async (...args: unknown[]) => {
          this.calls[op] = (this.calls[op] ?? 0) + 1;
          const failure = this.failures.get(op);
          if (failure) {
            this.failures.delete(op);
            throw failure;
          }
          const result = await value.apply(target, args);
          const itemFailure = this.itemFailures.get(op);
          if (itemFailure && Array.isArray(result)) {
            this.itemFailures.delete(op);
            result[itemFailure.index] = { ok: false, error: itemFailure.error };
          }
          return result;
        };
      },
    });
  }

  count(op: Operation): number {
    return this.calls[op] ?? 0;
  }

  reset(): void {
    for (const key of Object.keys(this.calls)) delete this.calls[key];
  }

  failNext(op: Operation, error: KeyringError): void {
    this.failures.set(op, error);
  }

  failItem(op: Operation, index: number, error: KeyringError): void {
    this.itemFailures.set(op, { index, error });
  }
}
