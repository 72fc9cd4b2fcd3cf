import { Migration } from '@mikro-orm/migrations';

const CURRENT_WORKSPACE = `nullif(current_setting('cdp.workspace_id', true), '')::uuid`;

/**
 * The intake: calls of Segment's HTTP Tracking API, durable before they are resolved. A row waits
 * (failed_at null) until it is applied, when it is deleted, or fails: a dead letter with its
 * error, kept until retried. `shard` splits a workspace's rows by identifier, so that several
 * drainers share them, each shard in order. `keys` are the normalised identifier keys, for
 * erasure (rare: an index on them would cost every call). `item` is json, not jsonb: it is only
 * stored and read back whole, and json costs an insert less. `intake_tally` counts what was
 * accepted and applied, a row per request and per batch, with each applied call's lag.
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
      "item" json null,
      "failed_at" timestamptz null,
      "error_code" text null,
      "error_message" text null,
      "attempts" int not null default 0,
      constraint "intake_pkey" primary key ("workspace_id", "id"),
      constraint "intake_message_unique" unique ("workspace_id", "message_id")
    );`);
    this.addSql(`create index "intake_waiting" on "intake" ("workspace_id", "shard", "occurred_at", "id") where "failed_at" is null;`);
    this.addSql(`create index "intake_failed" on "intake" ("workspace_id", "failed_at", "id") where "failed_at" is not null;`);
    this.addSql(`create table "intake_tally" (
      "workspace_id" uuid not null,
      "at" timestamptz not null,
      "accepted" int not null default 0,
      "applied" int not null default 0,
      "lags" real[] not null default '{}'
    );`);
    this.addSql(`create index "intake_tally_at" on "intake_tally" ("workspace_id", "at");`);
    for (const table of ['intake', 'intake_tally']) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(`create policy "workspace_isolation" on "${table}" using ("workspace_id" = ${CURRENT_WORKSPACE}) with check ("workspace_id" = ${CURRENT_WORKSPACE});`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "intake_tally";`);
    this.addSql(`drop table if exists "intake";`);
  }
}
