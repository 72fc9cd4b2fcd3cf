import { Migration } from '@mikro-orm/migrations';

const CURRENT_WORKSPACE = `nullif(current_setting('cdp.workspace_id', true), '')::uuid`;

/**
 * Care programs: contact cadences (when each customer was last contacted and is next due),
 * playbooks and the care tasks they create. Customers there already are due by the default
 * cadences (HIGH every 7 days online, MEDIUM 14, BASIC 30), counted from when they were created.
 */
export class Migration20261207090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "playbook" ("id" uuid not null, "workspace_id" uuid not null, "name" text not null, "trigger" text check ("trigger" in ('FIRST_PURCHASE', 'BECAME_AT_RISK', 'COMPLAINT_OPENED', 'CONVERSATION_RESOLVED', 'SEGMENT_ENTERED')) not null, "segment_id" uuid null, "active" boolean not null default true, "steps" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "playbook_pkey" primary key ("id"));`);
    this.addSql(`create index "playbook_workspace_id_trigger_index" on "playbook" ("workspace_id", "trigger");`);
    this.addSql(`create table "care_task" ("id" uuid not null, "workspace_id" uuid not null, "customer_id" uuid not null, "playbook_id" uuid null, "trigger" text check ("trigger" in ('FIRST_PURCHASE', 'BECAME_AT_RISK', 'COMPLAINT_OPENED', 'CONVERSATION_RESOLVED', 'SEGMENT_ENTERED')) null, "subject_id" uuid null, "step" text not null, "scene" text check ("scene" in ('ENQUIRY', 'MARKETING', 'AFTER_SALES', 'COMPLAINT', 'ONBOARDING', 'WIN_BACK')) not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) null, "owner_id" uuid null, "due_at" timestamptz not null, "repeat_every_hours" double precision null, "status" text check ("status" in ('OPEN', 'DONE', 'CANCELLED')) not null default 'OPEN', "done_at" timestamptz null, "note" text null, "due_announced_at" timestamptz null, "overdue_announced_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "care_task_pkey" primary key ("id"));`);
    this.addSql(`create index "care_task_subject" on "care_task" ("workspace_id", "subject_id") where "subject_id" is not null and "status" = 'OPEN';`);
    this.addSql(`create index "care_task_unannounced" on "care_task" ("workspace_id", "due_at") where "status" = 'OPEN' and "overdue_announced_at" is null;`);
    this.addSql(`create index "care_task_open_due" on "care_task" ("workspace_id", "due_at", "id") where "status" = 'OPEN';`);
    this.addSql(`create index "care_task_workspace_id_playbook_id_index" on "care_task" ("workspace_id", "playbook_id");`);
    this.addSql(`create index "care_task_workspace_id_customer_id_created_at_index" on "care_task" ("workspace_id", "customer_id", "created_at");`);
    this.addSql(`alter table "customer" add column "last_contact_at" timestamptz null, add column "last_dedicated_contact_at" timestamptz null, add column "next_contact_due_at" timestamptz null;`);
    this.addSql(`create index "customer_owner_contact_due" on "customer" ("workspace_id", "owner_id", "next_contact_due_at", "id") where "next_contact_due_at" is not null and "owner_id" is not null and "merged_into_id" is null and "erased_at" is null;`);
    this.addSql(`create index "customer_contact_due" on "customer" ("workspace_id", "next_contact_due_at", "id") where "next_contact_due_at" is not null and "merged_into_id" is null and "erased_at" is null;`);
    this.addSql(
      `update "customer" set "next_contact_due_at" = "created_at" + case "value_tier" when 'HIGH' then 7 when 'MEDIUM' then 14 else 30 end * interval '1 day' where "merged_into_id" is null and "erased_at" is null;`,
    );
    for (const table of ['playbook', 'care_task']) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(
        `create policy "workspace_isolation" on "${table}" using ("workspace_id" = ${CURRENT_WORKSPACE}) with check ("workspace_id" = ${CURRENT_WORKSPACE});`,
      );
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "care_task";`);
    this.addSql(`drop table if exists "playbook";`);
    this.addSql(`drop index if exists "customer_contact_due";`);
    this.addSql(`drop index if exists "customer_owner_contact_due";`);
    this.addSql(
      `alter table "customer" drop column if exists "last_contact_at", drop column if exists "last_dedicated_contact_at", drop column if exists "next_contact_due_at";`,
    );
  }
}
