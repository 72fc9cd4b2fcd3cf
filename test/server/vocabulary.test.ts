import fs from 'node:fs';
import path from 'node:path';

/** The file roles of a module, as the README's Layout writes them down. */
const ROLES = ['entity', 'service', 'resolver', 'input', 'types', 'loaders', 'sql', 'rules', 'errors', 'route'];

const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });

describe('one vocabulary', () => {
  it("names every module file <subject>.<role>.ts with one of the README's roles", () => {
    const modules = path.resolve('src/modules');
    const role = new RegExp(`^[a-z0-9-]+\\.(${ROLES.join('|')})\\.ts$`);
    const misnamed = filesUnder(modules).filter((file) => !role.test(path.basename(file)));
    expect(misnamed.map((file) => path.relative(modules, file))).toEqual([]);
  });

  it('exports each name from one file of src only', () => {
    const exporters = new Map<string, string[]>();
    for (const file of filesUnder(path.resolve('src'))) {
      const text = fs.readFileSync(file, 'utf8');
      const names = [
        ...text.matchAll(/^export (?:declare )?(?:abstract )?(?:async )?(?:class|interface|type|const|let|function|enum) ([A-Za-z_$][\w$]*)/gm),
        ...text.matchAll(/^export const \{ Connection: ([A-Za-z_$][\w$]*) \}/gm),
      ].map((match) => match[1]);
      for (const name of names) exporters.set(name, [...(exporters.get(name) ?? []), path.relative('src', file)]);
    }
    expect([...exporters].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  it('has no barrel: no file of src re-exports what another exports', () => {
    const barrels = filesUnder(path.resolve('src')).filter((file) => /^export (?:\*|\{[^}]*\}) from /m.test(fs.readFileSync(file, 'utf8')));
    expect(barrels.map((file) => path.relative('src', file))).toEqual([]);
  });
});
