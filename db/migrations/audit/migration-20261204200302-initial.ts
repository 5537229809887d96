import { Migration } from "@mikro-orm/migrations";

export class Migration20261204200302_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "audit";`);
    this.addSql(
      `create table "audit"."events" ("seq" bigserial primary key, "occurred_at" timestamptz not null, "type" varchar(64) not null, "subject_type" varchar(32) not null, "subject_id" varchar(128) not null, "actor" varchar(256) not null, "request_id" varchar(64) null, "data" jsonb not null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null);`,
    );
    this.addSql(`alter table "audit"."events" add constraint "events_hash_unique" unique ("hash");`);
    this.addSql(`create index "events_type_seq_index" on "audit"."events" ("type", "seq");`);
    this.addSql(
      `create index "events_subject_type_subject_id_index" on "audit"."events" ("subject_type", "subject_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit"."events" cascade;`);

    this.addSql(`drop schema if exists "audit";`);
  }
}
