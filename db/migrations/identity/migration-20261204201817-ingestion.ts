import { Migration } from "@mikro-orm/migrations";

export class Migration20261204201817_ingestion extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."ingest_batches" ("id" uuid not null, "actor" varchar(256) not null, "idempotency_key" varchar(256) null, "request_hash" varchar(64) not null, "state" text check ("state" in ('IN_PROGRESS', 'COMPLETED')) not null default 'IN_PROGRESS', "received" int not null, "chunks_done" int not null default 0, "results" jsonb not null, "lease_until" timestamptz null, "created_at" timestamptz not null, "completed_at" timestamptz null, constraint "ingest_batches_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "identity"."ingest_batches" add constraint "ingest_batches_actor_idempotency_key_unique" unique ("actor", "idempotency_key");`,
    );

    this.addSql(
      `alter table "identity"."users" add column "first_name_ct" bytea null, add column "last_name_ct" bytea null, add column "email_ct" bytea null, add column "phone_number_ct" bytea null, add column "date_of_birth_ct" bytea null, add column "email_index" varchar(96) null, add column "phone_index" varchar(96) null, add column "record_hash" varchar(96) null, add column "erased_at" timestamptz null;`,
    );
    this.addSql(`create index "users_email_index_index" on "identity"."users" ("email_index");`);
    this.addSql(`create index "users_phone_index_index" on "identity"."users" ("phone_index");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."ingest_batches" cascade;`);

    this.addSql(`drop index "identity"."users_email_index_index";`);
    this.addSql(`drop index "identity"."users_phone_index_index";`);
    this.addSql(
      `alter table "identity"."users" drop column "first_name_ct", drop column "last_name_ct", drop column "email_ct", drop column "phone_number_ct", drop column "date_of_birth_ct", drop column "email_index", drop column "phone_index", drop column "record_hash", drop column "erased_at";`,
    );
  }
}
