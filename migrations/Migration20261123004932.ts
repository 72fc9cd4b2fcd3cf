import { Migration } from '@mikro-orm/migrations';

export class Migration20261123004932 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "suppression" ("id" uuid not null, "workspace_id" uuid not null, "type" text check ("type" in ('EMAIL', 'PHONE', 'MEMBER_ID', 'WECHAT_OPENID', 'WECHAT_UNIONID', 'DEVICE_ID', 'EXTERNAL_ID', 'ANONYMOUS_ID')) not null, "value_hash" varchar(64) not null, "created_at" timestamptz not null, constraint "suppression_pkey" primary key ("id"));`);
    this.addSql(`alter table "suppression" add constraint "suppression_workspace_id_type_value_hash_unique" unique ("workspace_id", "type", "value_hash");`);

    this.addSql(`create table "identity_rule_row" ("id" uuid not null, "workspace_id" uuid not null, "type" text check ("type" in ('EMAIL', 'PHONE', 'MEMBER_ID', 'WECHAT_OPENID', 'WECHAT_UNIONID', 'DEVICE_ID', 'EXTERNAL_ID', 'ANONYMOUS_ID')) not null, "max_per_customer" int null, "priority" int not null, "blocked_values" text[] not null, constraint "identity_rule_row_pkey" primary key ("id"));`);
    this.addSql(`alter table "identity_rule_row" add constraint "identity_rule_row_workspace_id_type_unique" unique ("workspace_id", "type");`);

    this.addSql(`create table "identity" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "type" text check ("type" in ('EMAIL', 'PHONE', 'MEMBER_ID', 'WECHAT_OPENID', 'WECHAT_UNIONID', 'DEVICE_ID', 'EXTERNAL_ID', 'ANONYMOUS_ID')) not null, "value" text not null, "source" text null, "verified" boolean not null default false, "first_seen_at" timestamptz not null, "last_seen_at" timestamptz not null, constraint "identity_pkey" primary key ("id"));`);
    this.addSql(`create index "identity_workspace_id_customer_id_index" on "identity" ("workspace_id", "customer_id");`);
    this.addSql(`alter table "identity" add constraint "identity_workspace_id_type_value_unique" unique ("workspace_id", "type", "value");`);

    this.addSql(`create table "event" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid null, "message_id" text not null, "type" text not null, "properties" jsonb not null, "revenue" numeric(16,2) null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) null, "occurred_at" timestamptz not null, "received_at" timestamptz not null, constraint "event_pkey" primary key ("id"));`);
    this.addSql(`create index "event_workspace_id_type_occurred_at_index" on "event" ("workspace_id", "type", "occurred_at");`);
    this.addSql(`create index "event_workspace_id_customer_id_occurred_at_index" on "event" ("workspace_id", "customer_id", "occurred_at");`);
    this.addSql(`alter table "event" add constraint "event_workspace_id_message_id_unique" unique ("workspace_id", "message_id");`);

    this.addSql(`create table "customer_merge" ("id" uuid not null, "workspace_id" uuid not null, "survivor_id" uuid not null, "absorbed_id" uuid not null, "reason" text not null, "survivor_before" jsonb not null, "absorbed_before" jsonb not null, "moved_identity_ids" text[] not null, "moved_event_ids" text[] not null, "at" timestamptz not null, "unmerged_at" timestamptz null, constraint "customer_merge_pkey" primary key ("id"));`);
    this.addSql(`create index "customer_merge_workspace_id_absorbed_id_index" on "customer_merge" ("workspace_id", "absorbed_id");`);
    this.addSql(`create index "customer_merge_workspace_id_survivor_id_index" on "customer_merge" ("workspace_id", "survivor_id");`);

    this.addSql(`create table "customer" ("id" uuid not null, "workspace_id" uuid not null, "merged_into_id" uuid null, "display_name" text null, "traits" jsonb not null, "trait_times" jsonb not null, "tags" text[] not null, "lifecycle_stage" text check ("lifecycle_stage" in ('PROSPECT', 'NEW', 'ACTIVE', 'AT_RISK', 'CHURNED', 'REACTIVATED')) not null default 'PROSPECT', "value_tier" text check ("value_tier" in ('HIGH', 'MEDIUM', 'BASIC')) not null default 'BASIC', "total_spend" numeric(16,2) not null default 0, "order_count" int not null default 0, "first_seen_at" timestamptz not null, "last_seen_at" timestamptz not null, "last_purchase_at" timestamptz null, "erased_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "customer_pkey" primary key ("id"));`);
    this.addSql(`create index "customer_workspace_id_merged_into_id_index" on "customer" ("workspace_id", "merged_into_id");`);
    this.addSql(`create index "customer_workspace_id_total_spend_id_index" on "customer" ("workspace_id", "total_spend", "id");`);
    this.addSql(`create index "customer_workspace_id_created_at_id_index" on "customer" ("workspace_id", "created_at", "id");`);
    this.addSql(`create index "customer_workspace_id_last_seen_at_id_index" on "customer" ("workspace_id", "last_seen_at", "id");`);

    this.addSql(`alter table "suppression" add constraint "suppression_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "identity_rule_row" add constraint "identity_rule_row_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "identity" add constraint "identity_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "event" add constraint "event_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "customer_merge" add constraint "customer_merge_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "customer" add constraint "customer_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create index "customer_display_name_trgm" on "customer" using gin ("display_name" gin_trgm_ops);`);
    this.addSql(`create index "identity_value_trgm" on "identity" using gin ("value" gin_trgm_ops);`);
    this.addSql(`create index "customer_tags_gin" on "customer" using gin ("tags");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "suppression" cascade;`);

    this.addSql(`drop table if exists "identity_rule_row" cascade;`);

    this.addSql(`drop table if exists "identity" cascade;`);

    this.addSql(`drop table if exists "event" cascade;`);

    this.addSql(`drop table if exists "customer_merge" cascade;`);

    this.addSql(`drop table if exists "customer" cascade;`);
  }

}
