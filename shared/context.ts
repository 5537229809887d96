import type { EntityManager } from "@mikro-orm/postgresql";
import DataLoader from "dataloader";
import type { Logger } from "./logger.js";

export const ROLES = ["admin", "ingestor", "support", "analyst", "auditor", "verifier"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established by the gateway. */
export interface Viewer {
  subject: string;
  roles: Role[];
}

/**
 * Per-request state. Everything in it lives and dies with one request: the forked EntityManager (MikroORM's
 * identity map must never be shared between requests) and the DataLoaders (batching and caching per request).
 */
export class RequestContext {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  constructor(
    readonly requestId: string,
    readonly viewer: Viewer | null,
    readonly em: EntityManager,
    readonly logger: Logger,
  ) {}

  /** The request's DataLoader for `key`, created on first use by `factory`. */
  loader<K, V>(key: string, factory: () => DataLoader<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = factory() as DataLoader<unknown, unknown>;
      this.loaders.set(key, loader);
    }
    return loader as DataLoader<K, V>;
  }

  get actor(): string {
    return this.viewer?.subject ?? "anonymous";
  }

  hasRole(...roles: Role[]): boolean {
    return this.viewer?.roles.some((r) => roles.includes(r)) ?? false;
  }
}
