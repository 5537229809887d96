import { Migration } from "@mikro-orm/migrations";

export class Migration20261204200309_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "ledger";`);
    this.addSql(
      `create table "ledger"."transactions" ("seq_no" int not null, "type" varchar(32) not null, "author" varchar(128) not null, "txn_time" timestamptz not null, "data" jsonb not null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null, "signature" varchar(128) not null, constraint "transactions_pkey" primary key ("seq_no"));`,
    );
    this.addSql(
      `alter table "ledger"."transactions" add constraint "transactions_hash_unique" unique ("hash");`,
    );
    this.addSql(
      `create index "transactions_type_seq_no_index" on "ledger"."transactions" ("type", "seq_no");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "ledger"."transactions" cascade;`);

    this.addSql(`drop schema if exists "ledger";`);
  }
}
