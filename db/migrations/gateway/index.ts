import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261204210000_rate_limits as M0 } from "./migration-20261204210000-rate-limits.js";

// Written by hand (the table belongs to rate-limiter-flexible, not to an entity): the applied order is this order.
export const migrations: MigrationObject[] = [{ name: "migration-20261204210000-rate-limits", class: M0 }];
