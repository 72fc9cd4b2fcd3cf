import { Migration } from '@mikro-orm/migrations';

export class Migration20261123070500 extends Migration {

  override async up(): Promise<void> {

    this.addSql(`create table "follow_up" ("id" uuid not null, "workspace_id" uuid not null, "feedback_item_id" uuid not null, "customer_id" uuid not null, "due_at" timestamptz not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) not null, "done_at" timestamptz null, "outcome" text null, "created_at" timestamptz not null, constraint "follow_up_pkey" primary key ("id"));`);
    this.addSql(`create index "follow_up_workspace_id_feedback_item_id_index" on "follow_up" ("workspace_id", "feedback_item_id");`);

    this.addSql(`create table "feedback_item" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "conversation_id" uuid null, "survey_response_id" uuid null, "category" text check ("category" in ('COMPLAINT', 'SUGGESTION', 'PRAISE', 'QUESTION')) not null, "severity" text check ("severity" in ('GENERAL', 'COMPLEX', 'MAJOR')) not null, "status" text check ("status" in ('OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED', 'VERIFIED', 'CLOSED')) not null default 'OPEN', "summary" text not null, "owner_team" text null, "owner" text null, "response_due_at" timestamptz not null, "due_at" timestamptz null, "acceptance_criteria" text null, "resolution_note" text null, "acknowledged_at" timestamptz null, "resolved_at" timestamptz null, "verified_at" timestamptz null, "closed_at" timestamptz null, "customer_notified_at" timestamptz null, "overdue_alerted_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "feedback_item_pkey" primary key ("id"));`);
    this.addSql(`create index "feedback_item_workspace_id_status_index" on "feedback_item" ("workspace_id", "status");`);
    this.addSql(`create index "feedback_item_workspace_id_customer_id_index" on "feedback_item" ("workspace_id", "customer_id");`);
    this.addSql(`create index "feedback_item_workspace_id_created_at_id_index" on "feedback_item" ("workspace_id", "created_at", "id");`);

  }

  override async down(): Promise<void> {

    this.addSql(`drop table if exists "follow_up" cascade;`);

    this.addSql(`drop table if exists "feedback_item" cascade;`);

  }

}
