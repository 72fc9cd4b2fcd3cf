import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** `npm run bench`: runs every compiled `*.bench.js` beside this file, one after another. */
const only = process.argv[2];
const files = fs
  .readdirSync(__dirname)
  .filter((file) => file.endsWith('.bench.js') && (!only || file.includes(only)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n== ${file.replace(/\.js$/, '')}`);
  const result = spawnSync(process.execPath, ['--max-semi-space-size=64', path.join(__dirname, file)], { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  if (result.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${result.status})`);
  }
}
process.exit(failed ? 1 : 0);
