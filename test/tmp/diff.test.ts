import fs from 'node:fs';
import { connectOrm } from '../../src/db/orm';
import { createTestDatabase } from '../support/test-database';
it('diff', async () => {
  const database = await createTestDatabase();
  const orm = await connectOrm(database.url, { poolSize: 2, poolAcquireTimeoutMs: 5000 });
  const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: true });
  fs.writeFileSync('/root/me/diff.sql', diff);
  await orm.close();
  await database.drop();
});
