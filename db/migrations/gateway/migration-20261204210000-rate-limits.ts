import { Migration } from "@mikro-orm/migrations";

/**
 * The gateway's rate-limit counters (rate-limiter-flexible's PostgreSQL store: key, points used, expiry in ms).
 * Shared by every gateway replica, so a client's limit holds however many gateways it reaches. Keys are hashes.
 */
export class Migration20261204210000_rate_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "gateway";`);
    this.addSql(`create table "gateway"."rate_limits" (
      "key" varchar(255) primary key,
      "points" integer not null default 0,
      "expire" bigint
    );`);
    this.addSql(`create index "rate_limits_expire_index" on "gateway"."rate_limits" ("expire");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "gateway"."rate_limits";`);
    this.addSql(`drop schema if exists "gateway";`);
  }
}
