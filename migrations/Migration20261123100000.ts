import { Migration } from '@mikro-orm/migrations';

/** Event scans by type and time also carry the customer and revenue, so segment counts and sums read the index alone. */
export class Migration20261123100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists "event_workspace_id_type_occurred_at_index";`);
    this.addSql(`create index "event_workspace_id_type_occurred_at_index" on "event" ("workspace_id", "type", "occurred_at") include ("customer_id", "revenue");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "event_workspace_id_type_occurred_at_index";`);
    this.addSql(`create index "event_workspace_id_type_occurred_at_index" on "event" ("workspace_id", "type", "occurred_at");`);
  }
}
