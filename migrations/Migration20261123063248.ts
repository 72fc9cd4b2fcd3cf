import { Migration } from '@mikro-orm/migrations';

export class Migration20261123063248 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create extension if not exists btree_gin;`);
    this.addSql(`create table "knowledge_article" ("id" uuid not null, "workspace_id" uuid not null, "title" text not null, "body" text not null, "tags" text[] not null, "language" text null, "auto_reply" boolean not null default false, "terms" text[] not null, "title_terms" text[] not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "knowledge_article_pkey" primary key ("id"));`);
    this.addSql(`create index "knowledge_article_terms" on "knowledge_article" using gin ("workspace_id", "terms");`);
    this.addSql(`create index "knowledge_article_workspace_id_updated_at_index" on "knowledge_article" ("workspace_id", "updated_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "knowledge_article" cascade;`);
  }

}
