import { connectOrm } from '../../src/db/orm';
import { createTestDatabase } from '../support/test-database';

describe('migrations', () => {
  it('cover every entity: the schema they build is what the entities describe', async () => {
    const database = await createTestDatabase();
    const orm = await connectOrm(database.url, { poolSize: 2, poolAcquireTimeoutMs: 5000 });
    try {
      const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: true });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close();
      await database.drop();
    }
  });
});
