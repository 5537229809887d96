import { Migration } from "@mikro-orm/migrations";

export class Migration20261204201532_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "keyring";`);
    this.addSql(
      `create table "keyring"."data_keys" ("subject_id" uuid not null, "wrapped_key" text null, "kek_version" int null, "created_at" timestamptz not null, "destroyed_at" timestamptz null, constraint "data_keys_pkey" primary key ("subject_id"), constraint data_keys_destroyed_check check ((wrapped_key is null) = (destroyed_at is not null) and (wrapped_key is null) = (kek_version is null)));`,
    );
    this.addSql(`create index "data_keys_kek_version_index" on "keyring"."data_keys" ("kek_version");`);

    this.addSql(
      `create table "keyring"."keys" ("name" varchar(128) not null, "type" varchar(16) not null, "latest_version" int not null, "min_decryption_version" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "keys_pkey" primary key ("name"));`,
    );

    this.addSql(
      `create table "keyring"."rotations" ("id" bigserial primary key, "key_name" varchar(128) not null, "from_version" int not null, "target_version" int null, "last_subject_id" uuid null, "rewrapped" bigint not null, "failed" bigint not null, "started_at" timestamptz not null, "updated_at" timestamptz not null, "finished_at" timestamptz null);`,
    );
    this.addSql(
      `create unique index "rotations_one_open_per_key" on "keyring"."rotations" ("key_name") where "finished_at" is null;`,
    );

    this.addSql(
      `create table "keyring"."key_versions" ("key_name" varchar(128) not null, "version" int not null, "wrapped_material" bytea not null, "public_key" bytea null, "created_at" timestamptz not null, constraint "key_versions_pkey" primary key ("key_name", "version"));`,
    );

    this.addSql(
      `alter table "keyring"."key_versions" add constraint "key_versions_key_name_foreign" foreign key ("key_name") references "keyring"."keys" ("name") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "keyring"."key_versions" drop constraint "key_versions_key_name_foreign";`);

    this.addSql(`drop table if exists "keyring"."data_keys" cascade;`);

    this.addSql(`drop table if exists "keyring"."keys" cascade;`);

    this.addSql(`drop table if exists "keyring"."rotations" cascade;`);

    this.addSql(`drop table if exists "keyring"."key_versions" cascade;`);

    this.addSql(`drop schema if exists "keyring";`);
  }
}
