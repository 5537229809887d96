import { Migration } from "@mikro-orm/migrations";

export class Migration20261204221422_drop_hash_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit"."events" drop constraint "events_hash_unique";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit"."events" add constraint "events_hash_unique" unique ("hash");`);
  }
}
