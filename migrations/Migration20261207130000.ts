import { Migration } from '@mikro-orm/migrations';

/** When a customer's strongly negative message raised a conversation's priority: it does so once, known from the row itself. */
export class Migration20261207130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "conversation" add column "sentiment_escalated_at" timestamptz null;`);
    this.addSql(
      `update "conversation" c set "sentiment_escalated_at" = e.at from (select conversation_id, min(at) at from "conversation_escalation" where reason = 'negative sentiment' group by conversation_id) e where c.id = e.conversation_id;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "conversation" drop column if exists "sentiment_escalated_at";`);
  }
}
