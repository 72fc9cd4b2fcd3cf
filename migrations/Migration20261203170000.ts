import { Migration } from '@mikro-orm/migrations';

/** Every table that holds a workspace's rows, as of this migration; a later table adds its own policy. */
const TABLES = [
  'agent', 'agent_queue', 'api_key', 'audit_entry', 'consent', 'consent_change', 'contact_touch', 'conversation',
  'conversation_transfer', 'customer', 'customer_merge', 'customer_preference', 'event', 'feedback_item', 'follow_up',
  'identity', 'identity_rule_row', 'knowledge_article', 'lifecycle_transition', 'message', 'queue', 'reply_template',
  'segment', 'segment_change', 'segment_member', 'sla_policy', 'suppression', 'survey_response',
];

/** The workspace a session is confined to (`cdp.workspace_id`); unset or empty confines it to none. */
const CURRENT_WORKSPACE = `nullif(current_setting('cdp.workspace_id', true), '')::uuid`;

/**
 * Row-level security behind the ORM's workspace filter: a role that does not own the tables (the
 * server's) sees and writes only the rows of the workspace its session names, whatever SQL it
 * sends. An API key can also be read by its hash alone, which is how a request learns its workspace.
 */
export class Migration20261203170000 extends Migration {
  override async up(): Promise<void> {
    for (const table of TABLES) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(`create policy "workspace_isolation" on "${table}" using ("workspace_id" = ${CURRENT_WORKSPACE}) with check ("workspace_id" = ${CURRENT_WORKSPACE});`);
    }
    this.addSql(`create policy "key_by_hash" on "api_key" for select using ("hash" = nullif(current_setting('cdp.api_key_hash', true), ''));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop policy if exists "key_by_hash" on "api_key";`);
    for (const table of TABLES) {
      this.addSql(`drop policy if exists "workspace_isolation" on "${table}";`);
      this.addSql(`alter table "${table}" disable row level security;`);
    }
  }
}
