import { Migration } from '@mikro-orm/migrations';

/** Conversations, messages and transfers; queues, agents and SLA policies. */
export class Migration20261123065026 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "conversation_transfer" ("id" uuid not null, "workspace_id" uuid not null, "conversation_id" uuid not null, "from_queue_id" uuid null, "to_queue_id" uuid null, "from_agent_id" uuid null, "to_agent_id" uuid null, "from_channel" text check ("from_channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) null, "to_channel" text check ("to_channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) null, "note" text null, "at" timestamptz not null, constraint "conversation_transfer_pkey" primary key ("id"));`);
    this.addSql(`create index "conversation_transfer_workspace_id_conversation_id_at_index" on "conversation_transfer" ("workspace_id", "conversation_id", "at");`);

    this.addSql(`create table "sla_policy" ("id" uuid not null, "workspace_id" uuid not null, "name" text not null, "first_response_seconds" int not null, "resolution_seconds" int not null, "warn_at" double precision not null, "created_at" timestamptz not null, constraint "sla_policy_pkey" primary key ("id"));`);
    this.addSql(`alter table "sla_policy" add constraint "sla_policy_workspace_id_name_unique" unique ("workspace_id", "name");`);

    this.addSql(`create table "queue" ("id" uuid not null, "workspace_id" uuid not null, "name" text not null, "channels" text[] not null, "skills" text[] not null, "sla_policy_id" uuid null, "created_at" timestamptz not null, constraint "queue_pkey" primary key ("id"));`);
    this.addSql(`alter table "queue" add constraint "queue_workspace_id_name_unique" unique ("workspace_id", "name");`);

    this.addSql(`create table "message" ("id" uuid not null, "workspace_id" uuid not null, "conversation_id" uuid not null, "customer_id" uuid not null, "direction" text check ("direction" in ('INBOUND', 'OUTBOUND')) not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) not null, "author" text check ("author" in ('CUSTOMER', 'AGENT', 'BOT', 'SYSTEM')) not null, "agent_id" uuid null, "body" text not null, "created_at" timestamptz not null, constraint "message_pkey" primary key ("id"));`);
    this.addSql(`create index "message_workspace_id_customer_id_created_at_id_index" on "message" ("workspace_id", "customer_id", "created_at", "id");`);
    this.addSql(`create index "message_workspace_id_conversation_id_created_at_id_index" on "message" ("workspace_id", "conversation_id", "created_at", "id");`);

    this.addSql(`create table "conversation" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) not null, "channels_used" text[] not null, "subject" text null, "topic" text null, "status" text check ("status" in ('QUEUED', 'ASSIGNED', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED')) not null default 'QUEUED', "priority" text check ("priority" in ('URGENT', 'HIGH', 'NORMAL', 'LOW')) not null default 'NORMAL', "rank" smallint not null default 2, "queue_id" uuid null, "assignee_id" uuid null, "required_skills" text[] not null, "enqueued_at" timestamptz null, "assigned_at" timestamptz null, "first_response_due_at" timestamptz null, "first_response_warn_at" timestamptz null, "first_response_sla" text check ("first_response_sla" in ('OK', 'AT_RISK', 'BREACHED', 'MET')) null, "resolution_due_at" timestamptz null, "resolution_warn_at" timestamptz null, "resolution_sla" text check ("resolution_sla" in ('OK', 'AT_RISK', 'BREACHED', 'MET')) null, "sla_breached_at" timestamptz null, "first_response_at" timestamptz null, "resolved_at" timestamptz null, "resolution_note" text null, "closed_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "conversation_pkey" primary key ("id"));`);
    this.addSql(`create index "conversation_workspace_id_queue_id_sla_breached_at_index" on "conversation" ("workspace_id", "queue_id", "sla_breached_at");`);
    this.addSql(`create index "conversation_workspace_id_resolution_sla_resolutio_46839_index" on "conversation" ("workspace_id", "resolution_sla", "resolution_warn_at");`);
    this.addSql(`create index "conversation_workspace_id_first_response_sla_first_ed6cd_index" on "conversation" ("workspace_id", "first_response_sla", "first_response_warn_at");`);
    this.addSql(`create index "conversation_workspace_id_assignee_id_status_index" on "conversation" ("workspace_id", "assignee_id", "status");`);
    this.addSql(`create index "conversation_workspace_id_queue_id_status_rank_enq_caceb_index" on "conversation" ("workspace_id", "queue_id", "status", "rank", "enqueued_at");`);
    this.addSql(`create index "conversation_workspace_id_customer_id_created_at_index" on "conversation" ("workspace_id", "customer_id", "created_at");`);
    this.addSql(`create index "conversation_workspace_id_created_at_id_index" on "conversation" ("workspace_id", "created_at", "id");`);

    this.addSql(`create table "agent_queue" ("agent_id" uuid not null, "queue_id" uuid not null, "workspace_id" uuid not null, constraint "agent_queue_pkey" primary key ("agent_id", "queue_id"));`);
    this.addSql(`alter table "agent_queue" add constraint "agent_queue_workspace_id_queue_id_agent_id_unique" unique ("workspace_id", "queue_id", "agent_id");`);

    this.addSql(`create table "agent" ("id" uuid not null, "workspace_id" uuid not null, "name" text not null, "email" text null, "skills" text[] not null, "max_concurrent" int not null, "status" text check ("status" in ('ONLINE', 'AWAY', 'OFFLINE')) not null default 'OFFLINE', "active_count" int not null default 0, "last_assigned_at" timestamptz null, "status_changed_at" timestamptz not null, "created_at" timestamptz not null, constraint "agent_pkey" primary key ("id"));`);
    this.addSql(`create index "agent_workspace_id_status_index" on "agent" ("workspace_id", "status");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "conversation_transfer" cascade;`);

    this.addSql(`drop table if exists "sla_policy" cascade;`);

    this.addSql(`drop table if exists "queue" cascade;`);

    this.addSql(`drop table if exists "message" cascade;`);

    this.addSql(`drop table if exists "conversation" cascade;`);

    this.addSql(`drop table if exists "agent_queue" cascade;`);

    this.addSql(`drop table if exists "agent" cascade;`);
  }

}
