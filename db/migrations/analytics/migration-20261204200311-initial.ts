import { Migration } from "@mikro-orm/migrations";

export class Migration20261204200311_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "analytics";`);
    this.addSql(
      `create table "analytics"."rollups" ("bucket" timestamptz not null, "metric" varchar(64) not null, "dimension" varchar(128) not null, "count" bigint not null, constraint "rollups_pkey" primary key ("bucket", "metric", "dimension"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "analytics"."rollups" cascade;`);

    this.addSql(`drop schema if exists "analytics";`);
  }
}
