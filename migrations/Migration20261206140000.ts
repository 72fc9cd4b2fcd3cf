import { Migration } from '@mikro-orm/migrations';

/** Dedicated advisers: an agent may take customers as their owner, and a customer may have one. */
export class Migration20261206140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "agent" add column "dedicated" boolean not null default false;`);
    this.addSql(`alter table "customer" add column "owner_id" uuid null;`);
    this.addSql(`create index "customer_owner" on "customer" ("workspace_id", "owner_id") where "owner_id" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "customer_owner";`);
    this.addSql(`alter table "customer" drop column if exists "owner_id";`);
    this.addSql(`alter table "agent" drop column if exists "dedicated";`);
  }
}
