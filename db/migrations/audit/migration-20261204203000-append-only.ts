import { Migration } from "@mikro-orm/migrations";

/**
 * The audit trail is append-only at the database level too: an UPDATE or DELETE of audit.events raises,
 * whoever sends it. (A superuser can still disable the trigger; `trustid audit verify` then catches the edit
 * through the hash chain.)
 */
export class Migration20261204203000_append_only extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function audit.refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'audit.events is append-only' using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`create trigger events_append_only before update or delete on audit.events
      for each row execute function audit.refuse_change();`);
    this.addSql(`create trigger events_no_truncate before truncate on audit.events
      for each statement execute function audit.refuse_change();`);
  }

  override async down(): Promise<void> {
    this.addSql("drop trigger if exists events_no_truncate on audit.events;");
    this.addSql("drop trigger if exists events_append_only on audit.events;");
    this.addSql("drop function if exists audit.refuse_change();");
  }
}
