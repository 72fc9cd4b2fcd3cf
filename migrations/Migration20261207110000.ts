import { Migration } from '@mikro-orm/migrations';

/**
 * Sentiment of what customers write and empathy of what agents write: on each message, and tallied
 * on its conversation (with its escalations) for service metrics.
 */
export class Migration20261207110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "message" add column "sentiment" double precision null, add column "empathetic" boolean null;`);
    this.addSql(
      `alter table "conversation" add column "agent_replies" int not null default 0, add column "empathetic_replies" int not null default 0, add column "scored_messages" int not null default 0, add column "negative_messages" int not null default 0, add column "sentiment_sum" double precision not null default 0, add column "escalation_count" int not null default 0;`,
    );
    this.addSql(
      `update "conversation" c set "agent_replies" = m.n, "escalation_count" = coalesce(e.n, 0)
       from (select conversation_id, count(*) filter (where author = 'AGENT')::int n from "message" group by conversation_id) m
       left join (select conversation_id, count(*)::int n from "conversation_escalation" group by conversation_id) e on e.conversation_id = m.conversation_id
       where c.id = m.conversation_id;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "conversation" drop column if exists "agent_replies", drop column if exists "empathetic_replies", drop column if exists "scored_messages", drop column if exists "negative_messages", drop column if exists "sentiment_sum", drop column if exists "escalation_count";`,
    );
    this.addSql(`alter table "message" drop column if exists "sentiment", drop column if exists "empathetic";`);
  }
}
