import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { buildGraphQLSchema, printSDL } from '../graphql/schema';

/** `npm run schema`: writes schema/schema.graphql from the code. */
const target = path.resolve('schema', 'schema.graphql');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, printSDL(buildGraphQLSchema()));
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
