import { Migration } from '@mikro-orm/migrations';

/** The order webhook events were written in, which their deliveries keep (only SQL reads it, so it is not on the entity). */
export class Migration20261207150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "webhook_delivery" add column "seq" bigint generated always as identity;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "webhook_delivery" drop column if exists "seq";`);
  }
}
