import fs from 'node:fs';
import path from 'node:path';
import { parse, print, type OperationDefinitionNode } from 'graphql';
import type { Operation } from './client';

/**
 * The example operations in schema/operations/*.graphql, by name: the tests send exactly what
 * the documentation shows a frontend.
 */
export function operations(file: string): Record<string, (variables?: Record<string, unknown>) => Operation> {
  const document = parse(fs.readFileSync(path.resolve('schema/operations', file), 'utf8'));
  const byName: Record<string, (variables?: Record<string, unknown>) => Operation> = {};
  for (const definition of document.definitions as OperationDefinitionNode[]) {
    const query = print(definition);
    byName[definition.name!.value] = (variables) => ({ query, variables });
  }
  return byName;
}
