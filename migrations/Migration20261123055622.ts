import { Migration } from '@mikro-orm/migrations';

export class Migration20261123055622 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "lifecycle_transition" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "from" text check ("from" in ('PROSPECT', 'NEW', 'ACTIVE', 'AT_RISK', 'CHURNED', 'REACTIVATED')) null, "to" text check ("to" in ('PROSPECT', 'NEW', 'ACTIVE', 'AT_RISK', 'CHURNED', 'REACTIVATED')) not null, "reason" text not null, "at" timestamptz not null, constraint "lifecycle_transition_pkey" primary key ("id"));`);
    this.addSql(`create index "lifecycle_transition_workspace_id_customer_id_at_index" on "lifecycle_transition" ("workspace_id", "customer_id", "at");`);

    this.addSql(`create table "customer_preference" ("customer_id" uuid not null, "workspace_id" uuid not null, "preferred_channels" text[] not null, "language" text null, "timezone" text null, "quiet_start" text null, "quiet_end" text null, "cap_max_contacts" int null, "cap_per_days" int null, "updated_at" timestamptz not null, constraint "customer_preference_pkey" primary key ("customer_id"));`);

    this.addSql(`create table "contact_touch" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) not null, "purpose" text check ("purpose" in ('SERVICE', 'MARKETING')) not null, "at" timestamptz not null, constraint "contact_touch_pkey" primary key ("id"));`);
    this.addSql(`create index "contact_touch_workspace_id_customer_id_at_index" on "contact_touch" ("workspace_id", "customer_id", "at");`);

    this.addSql(`create table "consent_change" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) not null, "purpose" text check ("purpose" in ('SERVICE', 'MARKETING')) not null, "granted" boolean not null, "source" text null, "actor_key_id" uuid null, "at" timestamptz not null, constraint "consent_change_pkey" primary key ("id"));`);
    this.addSql(`create index "consent_change_workspace_id_customer_id_at_index" on "consent_change" ("workspace_id", "customer_id", "at");`);

    this.addSql(`create table "consent" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) not null, "purpose" text check ("purpose" in ('SERVICE', 'MARKETING')) not null, "granted" boolean not null, "source" text null, "updated_at" timestamptz not null, constraint "consent_pkey" primary key ("id"));`);
    this.addSql(`alter table "consent" add constraint "consent_workspace_id_customer_id_channel_purpose_unique" unique ("workspace_id", "customer_id", "channel", "purpose");`);

    this.addSql(`alter table "customer" add column "first_purchase_at" timestamptz null, add column "last_inbound_at" timestamptz null, add column "complaint_at" timestamptz null, add column "reactivated_at" timestamptz null, add column "annual_spend" numeric(16,2) not null default 0;`);
    this.addSql(`create index "customer_workspace_id_lifecycle_stage_index" on "customer" ("workspace_id", "lifecycle_stage");`);
    // customers ingested before: their first purchase; stages and tiers follow at the next ageing run
    this.addSql(`update "customer" c set "first_purchase_at" = p.first from (select workspace_id, customer_id, min(occurred_at) first from "event" where type like 'order_completed%' and revenue is not null group by 1, 2) p where c.workspace_id = p.workspace_id and c.id = p.customer_id;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "lifecycle_transition" cascade;`);

    this.addSql(`drop table if exists "customer_preference" cascade;`);

    this.addSql(`drop table if exists "contact_touch" cascade;`);

    this.addSql(`drop table if exists "consent_change" cascade;`);

    this.addSql(`drop table if exists "consent" cascade;`);

    this.addSql(`drop index "customer_workspace_id_lifecycle_stage_index";`);
    this.addSql(`alter table "customer" drop column "first_purchase_at", drop column "last_inbound_at", drop column "complaint_at", drop column "reactivated_at", drop column "annual_spend";`);
  }

}
