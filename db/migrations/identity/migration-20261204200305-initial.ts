import { Migration } from "@mikro-orm/migrations";

export class Migration20261204200305_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "identity";`);
    this.addSql(
      `create table "identity"."users" ("id" uuid not null, "external_ref" varchar(128) not null, "status" text check ("status" in ('ACTIVE', 'ERASED')) not null default 'ACTIVE', "verified_at" timestamptz not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "identity"."users" add constraint "users_external_ref_unique" unique ("external_ref");`,
    );
    this.addSql(`create index "users_created_at_id_index" on "identity"."users" ("created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."users" cascade;`);

    this.addSql(`drop schema if exists "identity";`);
  }
}
