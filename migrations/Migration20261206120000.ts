import { Migration } from '@mikro-orm/migrations';

const CURRENT_WORKSPACE = `nullif(current_setting('cdp.workspace_id', true), '')::uuid`;

/**
 * The intake: events accepted through Segment's HTTP Tracking API, durable before they are
 * resolved. A row waits (applied_at and failed_at null), is applied (its payload and identifier
 * keys dropped, kept a while for deduplication and the figures), or failed (a dead letter with its
 * error, kept until retried). `shard` splits a workspace's rows by identifier so several drainers
 * share them, each shard in order; `keys` are the normalised identifier keys, for erasure.
 */
export class Migration20261206120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "intake" (
      "id" bigint generated always as identity,
      "workspace_id" uuid not null,
      "message_id" text not null,
      "shard" smallint not null,
      "key_id" uuid null,
      "occurred_at" timestamptz not null,
      "received_at" timestamptz not null,
      "keys" text[] not null default '{}',
      "item" jsonb null,
      "applied_at" timestamptz null,
      "failed_at" timestamptz null,
      "error_code" text null,
      "error_message" text null,
      "attempts" int not null default 0,
      constraint "intake_pkey" primary key ("workspace_id", "id"),
      constraint "intake_message_unique" unique ("workspace_id", "message_id")
    );`);
    this.addSql(`create index "intake_waiting" on "intake" ("workspace_id", "shard", "occurred_at", "id") where "applied_at" is null and "failed_at" is null;`);
    this.addSql(`create index "intake_failed" on "intake" ("workspace_id", "failed_at", "id") where "failed_at" is not null;`);
    this.addSql(`create index "intake_applied" on "intake" ("workspace_id", "applied_at") where "applied_at" is not null;`);
    this.addSql(`create index "intake_received" on "intake" ("workspace_id", "received_at");`);
    this.addSql(`create index "intake_keys" on "intake" using gin ("keys");`);
    this.addSql(`alter table "intake" enable row level security;`);
    this.addSql(`create policy "workspace_isolation" on "intake" using ("workspace_id" = ${CURRENT_WORKSPACE}) with check ("workspace_id" = ${CURRENT_WORKSPACE});`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "intake";`);
  }
}
