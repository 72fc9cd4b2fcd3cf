import { Migration } from '@mikro-orm/migrations';

export class Migration20261123065500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "reply_template" ("id" uuid not null, "workspace_id" uuid not null, "name" text not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) not null, "scene" text check ("scene" in ('ENQUIRY', 'MARKETING', 'AFTER_SALES', 'COMPLAINT', 'ONBOARDING', 'WIN_BACK')) not null, "body" text not null, "lifecycle_stages" text[] not null, "value_tiers" text[] not null, "created_at" timestamptz not null, constraint "reply_template_pkey" primary key ("id"));`);
    this.addSql(`alter table "reply_template" add constraint "reply_template_workspace_id_name_unique" unique ("workspace_id", "name");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "reply_template" cascade;`);
  }

}
