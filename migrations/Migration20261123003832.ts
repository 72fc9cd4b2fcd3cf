import { Migration } from '@mikro-orm/migrations';

export class Migration20261123003832 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "role" as enum ('ADMIN', 'AGENT', 'MARKETER', 'ANALYST', 'INGEST');`);
    this.addSql(`create table "workspace" ("id" uuid not null, "name" varchar(255) not null, "stored_settings" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "workspace_pkey" primary key ("id"));`);

    this.addSql(`create table "audit_entry" ("id" uuid not null, "workspace_id" uuid not null, "action" varchar(255) not null, "actor_key_id" uuid null, "subject_type" varchar(255) not null, "subject_id" uuid not null, "details" jsonb null, "at" timestamptz not null, constraint "audit_entry_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_entry_workspace_id_subject_id_at_index" on "audit_entry" ("workspace_id", "subject_id", "at");`);
    this.addSql(`create index "audit_entry_workspace_id_at_id_index" on "audit_entry" ("workspace_id", "at", "id");`);

    this.addSql(`create table "api_key" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(255) not null, "role" "role" not null, "prefix" varchar(16) not null, "hash" varchar(64) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_key_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_key" add constraint "api_key_hash_unique" unique ("hash");`);
    this.addSql(`create index "api_key_workspace_id_created_at_index" on "api_key" ("workspace_id", "created_at");`);

    this.addSql(`alter table "audit_entry" add constraint "audit_entry_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_key" add constraint "api_key_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_entry" drop constraint "audit_entry_workspace_id_foreign";`);

    this.addSql(`alter table "api_key" drop constraint "api_key_workspace_id_foreign";`);

    this.addSql(`drop table if exists "workspace" cascade;`);

    this.addSql(`drop table if exists "audit_entry" cascade;`);

    this.addSql(`drop table if exists "api_key" cascade;`);

    this.addSql(`drop type "role";`);
  }

}
