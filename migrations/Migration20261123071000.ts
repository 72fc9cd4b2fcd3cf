import { Migration } from '@mikro-orm/migrations';

export class Migration20261123071000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "survey_response" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "conversation_id" uuid null, "kind" text check ("kind" in ('CSAT', 'NPS', 'CES')) not null, "score" smallint not null, "comment" text null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) null, "created_at" timestamptz not null, constraint "survey_response_pkey" primary key ("id"));`);
    this.addSql(`create index "survey_response_workspace_id_conversation_id_index" on "survey_response" ("workspace_id", "conversation_id");`);
    this.addSql(`create index "survey_response_workspace_id_kind_created_at_index" on "survey_response" ("workspace_id", "kind", "created_at");`);
    this.addSql(`create index "survey_response_workspace_id_customer_id_created_at_index" on "survey_response" ("workspace_id", "customer_id", "created_at");`);


  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "survey_response" cascade;`);

  }

}
