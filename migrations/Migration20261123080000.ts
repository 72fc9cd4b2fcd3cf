import { Migration } from '@mikro-orm/migrations';

export class Migration20261123080000 extends Migration {

  override async up(): Promise<void> {

    this.addSql(`create table "segment_member" ("segment_id" uuid not null, "customer_id" uuid not null, "workspace_id" uuid not null, "since" timestamptz not null, constraint "segment_member_pkey" primary key ("segment_id", "customer_id"));`);
    this.addSql(`create index "segment_member_workspace_id_customer_id_index" on "segment_member" ("workspace_id", "customer_id");`);

    this.addSql(`create table "segment_change" ("id" uuid not null, "workspace_id" uuid not null, "segment_id" uuid not null, "customer_id" uuid not null, "change" text check ("change" in ('ENTERED', 'EXITED')) not null, "at" timestamptz not null, constraint "segment_change_pkey" primary key ("id"));`);
    this.addSql(`create index "segment_change_workspace_id_segment_id_at_id_index" on "segment_change" ("workspace_id", "segment_id", "at", "id");`);

    this.addSql(`create table "segment" ("id" uuid not null, "workspace_id" uuid not null, "name" text not null, "description" text null, "kind" text check ("kind" in ('DYNAMIC', 'STATIC')) not null, "rule" jsonb null, "windowed" boolean not null default false, "refreshed_at" timestamptz null, "last_error" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "segment_pkey" primary key ("id"));`);
    this.addSql(`alter table "segment" add constraint "segment_workspace_id_name_unique" unique ("workspace_id", "name");`);

  }

  override async down(): Promise<void> {

    this.addSql(`drop table if exists "segment_member" cascade;`);

    this.addSql(`drop table if exists "segment_change" cascade;`);

    this.addSql(`drop table if exists "segment" cascade;`);

  }

}
