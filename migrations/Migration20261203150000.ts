import { Migration } from '@mikro-orm/migrations';

/**
 * What Migration20261123004932 and Migration20261123071500 were edited to do after they landed,
 * now in a migration of its own, so that a database migrated before those edits gets it too (and
 * one migrated after is left as it is): no workspace foreign key on the ingestion tables, no
 * trigram index on identity values or GIN index on tags, and the conversation's bot_off flag.
 */
export class Migration20261203150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "identity" drop constraint if exists "identity_workspace_id_foreign";`);
    this.addSql(`alter table "event" drop constraint if exists "event_workspace_id_foreign";`);
    this.addSql(`alter table "customer" drop constraint if exists "customer_workspace_id_foreign";`);
    this.addSql(`drop index if exists "identity_value_trgm";`);
    this.addSql(`drop index if exists "customer_tags_gin";`);
    this.addSql(`alter table "conversation" add column if not exists "bot_off" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "conversation" drop column if exists "bot_off";`);
  }
}
