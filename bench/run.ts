import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run bench [-- NAME]`: runs every compiled `*.bench.js` beside this file (or those whose name
 * contains NAME), one after another, each in its own process with its output streamed through.
 * Exits non-zero when one fails.
 */
const only = process.argv[2];
const files = fs
  .readdirSync(__dirname)
  .filter((file) => file.endsWith('.bench.js') && (!only || file.includes(only)))
  .sort();
if (files.length === 0) {
  console.error(`no *.bench.js${only ? ` matching "${only}"` : ''} in ${__dirname}`);
  process.exit(1);
}
const failed: string[] = [];
for (const file of files) {
  console.log(`\n== ${file.replace(/\.js$/, '')}`);
  const result = spawnSync(process.execPath, ['--max-semi-space-size=64', path.join(__dirname, file)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  if (result.status !== 0) {
    failed.push(file);
    console.error(`${file} failed (${result.error?.message ?? (result.signal ? `signal ${result.signal}` : `exit ${result.status}`)})`);
  }
}
console.log(failed.length ? `\n${failed.length} of ${files.length} benches failed: ${failed.join(', ')}` : `\nall ${files.length} benches passed`);
process.exit(failed.length ? 1 : 0);
