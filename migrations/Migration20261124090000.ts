import { Migration } from '@mikro-orm/migrations';

/**
 * Customer search matches the start of a display name or of an identity value, case-insensitively:
 * these indexes answer it with a range scan of the workspace's matching entries, so its cost does not
 * depend on the size of the workspace (a substring `ilike` read every row of it).
 */
export class Migration20261124090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "identity_value_prefix" on "identity" ("workspace_id", lower("value") text_pattern_ops);`);
    this.addSql(`create index "customer_display_name_prefix" on "customer" ("workspace_id", lower("display_name") text_pattern_ops);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "identity_value_prefix";`);
    this.addSql(`drop index if exists "customer_display_name_prefix";`);
  }
}
