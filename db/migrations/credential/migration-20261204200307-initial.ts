import { Migration } from "@mikro-orm/migrations";

export class Migration20261204200307_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "credential";`);
    this.addSql(
      `create table "credential"."schemas" ("id" uuid not null, "name" varchar(64) not null, "version" varchar(32) not null, "attributes" text[] not null, "ledger_id" varchar(256) not null, "created_at" timestamptz not null, constraint "schemas_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "credential"."schemas" add constraint "schemas_name_version_unique" unique ("name", "version");`,
    );

    this.addSql(
      `create table "credential"."credentials" ("id" uuid not null, "holder_id" uuid not null, "schema_id" uuid not null, "format" text check ("format" in ('SD_JWT_VC', 'ANONCREDS')) not null, "status" text check ("status" in ('ACTIVE', 'REVOKED', 'EXPIRED')) not null default 'ACTIVE', "issued_at" timestamptz not null, "expires_at" timestamptz null, "revoked_at" timestamptz null, "revocation_reason" varchar(256) null, constraint "credentials_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "credentials_holder_id_issued_at_index" on "credential"."credentials" ("holder_id", "issued_at");`,
    );

    this.addSql(
      `alter table "credential"."credentials" add constraint "credentials_schema_id_foreign" foreign key ("schema_id") references "credential"."schemas" ("id") on update cascade on delete restrict;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "credential"."credentials" drop constraint "credentials_schema_id_foreign";`);

    this.addSql(`drop table if exists "credential"."schemas" cascade;`);

    this.addSql(`drop table if exists "credential"."credentials" cascade;`);

    this.addSql(`drop schema if exists "credential";`);
  }
}
