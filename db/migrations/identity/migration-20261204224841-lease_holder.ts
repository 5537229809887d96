import { Migration } from "@mikro-orm/migrations";

export class Migration20261204224841_lease_holder extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "identity"."ingest_batches" add column "lease_holder" varchar(64) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "identity"."ingest_batches" drop column "lease_holder";`);
  }
}
