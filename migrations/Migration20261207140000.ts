import { Migration } from '@mikro-orm/migrations';

const CURRENT_WORKSPACE = `nullif(current_setting('cdp.workspace_id', true), '')::uuid`;

/** Webhooks out: receivers with their sealed signing secrets, and each delivery with its attempts. */
export class Migration20261207140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "webhook_delivery" ("id" uuid not null, "workspace_id" uuid not null, "webhook_id" uuid not null, "topic" text check ("topic" in ('SEGMENT_MEMBERSHIP', 'LIFECYCLE_CHANGED', 'CUSTOMER_MERGED', 'CUSTOMER_ERASED', 'CONVERSATION_UPDATED', 'SLA_ALERT', 'FEEDBACK_OVERDUE', 'CARE_TASK_DUE', 'EXPERIMENT_STOPPED', 'PING')) not null, "body" text not null, "status" text check ("status" in ('PENDING', 'DELIVERED', 'FAILED')) not null default 'PENDING', "attempts" int not null default 0, "response_status" int null, "error" text null, "next_attempt_at" timestamptz null, "delivered_at" timestamptz null, "created_at" timestamptz not null, constraint "webhook_delivery_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_delivery_due" on "webhook_delivery" ("workspace_id", "next_attempt_at") where "status" = 'PENDING';`);
    this.addSql(`create index "webhook_delivery_workspace_id_webhook_id_created_at_index" on "webhook_delivery" ("workspace_id", "webhook_id", "created_at");`);
    this.addSql(`create table "webhook" ("id" uuid not null, "workspace_id" uuid not null, "url" text not null, "topics" text[] not null, "active" boolean not null default true, "secret_sealed" text not null, "failures" int not null default 0, "last_delivery_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "webhook_pkey" primary key ("id"));`);
    for (const table of ['webhook', 'webhook_delivery']) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(
        `create policy "workspace_isolation" on "${table}" using ("workspace_id" = ${CURRENT_WORKSPACE}) with check ("workspace_id" = ${CURRENT_WORKSPACE});`,
      );
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "webhook_delivery";`);
    this.addSql(`drop table if exists "webhook";`);
  }
}
