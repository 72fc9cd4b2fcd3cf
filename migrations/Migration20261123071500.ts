import { Migration } from '@mikro-orm/migrations';

export class Migration20261123071500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "conversation" add column "reopen_count" smallint not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "conversation" drop column "reopen_count";`);
  }

}
