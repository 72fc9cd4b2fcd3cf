import { Migration } from '@mikro-orm/migrations';

const CURRENT_WORKSPACE = `nullif(current_setting('cdp.workspace_id', true), '')::uuid`;

/** Escalations (升级) of conversations, by a person or by an SLA breach when the queue's policy says so. */
export class Migration20261206150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "sla_policy" add column "escalate_on_breach" boolean not null default false;`);
    this.addSql(`create table "conversation_escalation" (
      "id" uuid not null,
      "workspace_id" uuid not null,
      "conversation_id" uuid not null,
      "reason" text not null,
      "from_priority" text not null,
      "to_priority" text not null,
      "from_queue_id" uuid null,
      "to_queue_id" uuid null,
      "automatic" boolean not null,
      "actor_key_id" uuid null,
      "at" timestamptz not null,
      constraint "conversation_escalation_pkey" primary key ("id")
    );`);
    this.addSql(`create index "conversation_escalation_of" on "conversation_escalation" ("workspace_id", "conversation_id", "at");`);
    this.addSql(`alter table "conversation_escalation" enable row level security;`);
    this.addSql(
      `create policy "workspace_isolation" on "conversation_escalation" using ("workspace_id" = ${CURRENT_WORKSPACE}) with check ("workspace_id" = ${CURRENT_WORKSPACE});`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "conversation_escalation";`);
    this.addSql(`alter table "sla_policy" drop column if exists "escalate_on_breach";`);
  }
}
