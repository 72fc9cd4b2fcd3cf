import { Migration } from '@mikro-orm/migrations';

const TABLES = ['customer', 'identity', 'event', 'lifecycle_transition'];

/**
 * The planner estimates a workspace from its table's statistics; a workspace they do not know yet
 * (new, or grown since) is estimated at about one row, and a lookup by key may then scan the whole
 * workspace. By default a table is re-analysed only once a tenth of it has changed, which a new
 * workspace in a large table may never reach: these tables are re-analysed after every 10,000
 * changed rows instead (at most once a minute, as autovacuum wakes). Sampling costs the same at
 * any table size.
 */
export class Migration20261123120000 extends Migration {
  override async up(): Promise<void> {
    for (const table of TABLES) {
      this.addSql(`alter table "${table}" set (autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 10000);`);
    }
  }

  override async down(): Promise<void> {
    for (const table of TABLES) this.addSql(`alter table "${table}" reset (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold);`);
  }
}
