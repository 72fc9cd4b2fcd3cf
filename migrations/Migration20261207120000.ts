import { Migration } from '@mikro-orm/migrations';

const CURRENT_WORKSPACE = `nullif(current_setting('cdp.workspace_id', true), '')::uuid`;

/** Weekly reports: each week's service and business metrics and experiment results, kept to compare weeks. */
export class Migration20261207120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "weekly_report" ("id" uuid not null, "workspace_id" uuid not null, "week_start" text not null, "report" jsonb not null, "created_at" timestamptz not null, constraint "weekly_report_pkey" primary key ("id"));`);
    this.addSql(`alter table "weekly_report" add constraint "weekly_report_workspace_id_week_start_unique" unique ("workspace_id", "week_start");`);
    this.addSql(`alter table "weekly_report" enable row level security;`);
    this.addSql(
      `create policy "workspace_isolation" on "weekly_report" using ("workspace_id" = ${CURRENT_WORKSPACE}) with check ("workspace_id" = ${CURRENT_WORKSPACE});`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "weekly_report";`);
  }
}
