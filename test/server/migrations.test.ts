import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
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

  it('are never edited once landed: each file matches the checksum recorded in migrations/landed.json when it landed', () => {
    const dir = path.resolve('migrations');
    const landed = JSON.parse(fs.readFileSync(path.join(dir, 'landed.json'), 'utf8')) as Record<string, string>;
    const files = fs.readdirSync(dir).filter((file) => /^Migration\d+\.ts$/.test(file));
    const actual = Object.fromEntries(
      files.map((file) => [
        file,
        createHash('sha256')
          .update(fs.readFileSync(path.join(dir, file)))
          .digest('hex'),
      ]),
    );
    // a new migration lands with its line added to landed.json; an edit of a landed one must become a new migration
    expect(actual).toEqual(landed);
  });
});
