import { Migration } from '@mikro-orm/migrations';

/**
 * Customer search matches the name or any identifier value, an OR no trigram index can serve, so
 * the one on `display_name` was never used; it cost ingestion about a fifth of each customer insert.
 */
export class Migration20261123110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists "customer_display_name_trgm";`);
  }

  override async down(): Promise<void> {
    this.addSql(`create index "customer_display_name_trgm" on "customer" using gin ("display_name" gin_trgm_ops);`);
  }
}
