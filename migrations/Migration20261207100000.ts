import { Migration } from '@mikro-orm/migrations';

const CURRENT_WORKSPACE = `nullif(current_setting('cdp.workspace_id', true), '')::uuid`;

/** Experiments (A/B tests of wording) and each customer's exposure to one. */
export class Migration20261207100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "experiment_exposure" ("workspace_id" uuid not null, "experiment_id" uuid not null, "customer_id" uuid not null, "variant" text not null, "exposed_at" timestamptz not null, constraint "experiment_exposure_pkey" primary key ("workspace_id", "experiment_id", "customer_id"));`);
    this.addSql(`create table "experiment" ("id" uuid not null, "workspace_id" uuid not null, "name" text not null, "status" text check ("status" in ('DRAFT', 'RUNNING', 'STOPPED')) not null default 'DRAFT', "scene" text check ("scene" in ('ENQUIRY', 'MARKETING', 'AFTER_SALES', 'COMPLAINT', 'ONBOARDING', 'WIN_BACK')) not null, "channel" text check ("channel" in ('PHONE', 'WEB_CHAT', 'WECHAT', 'APP', 'EMAIL', 'SMS', 'SOCIAL', 'IN_PERSON')) not null, "conversion_event" text not null, "window_days" int not null, "variants" jsonb not null, "winner" text null, "started_at" timestamptz null, "stopped_at" timestamptz null, "created_at" timestamptz not null, constraint "experiment_pkey" primary key ("id"));`);
    this.addSql(`create index "experiment_workspace_id_scene_channel_index" on "experiment" ("workspace_id", "scene", "channel");`);
    for (const table of ['experiment', 'experiment_exposure']) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(
        `create policy "workspace_isolation" on "${table}" using ("workspace_id" = ${CURRENT_WORKSPACE}) with check ("workspace_id" = ${CURRENT_WORKSPACE});`,
      );
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "experiment_exposure";`);
    this.addSql(`drop table if exists "experiment";`);
  }
}
