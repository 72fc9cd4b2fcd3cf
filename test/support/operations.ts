import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Operation } from './client';

/**
 * The example operations in schema/operations/*.graphql, by name, each with the fragments it
 * uses: the tests send exactly what the documentation shows a frontend.
 */
export function operations(file: string): Record<string, (variables?: Record<string, unknown>) => Operation> {
  const document = parse(fs.readFileSync(path.resolve('schema/operations', file), 'utf8'));
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const used = (node: OperationDefinitionNode | FragmentDefinitionNode, seen = new Set<string>()): Set<string> => {
    visit(node, {
      FragmentSpread: (spread) => {
        if (seen.has(spread.name.value)) return;
        seen.add(spread.name.value);
        used(fragments.get(spread.name.value)!, seen);
      },
    });
    return seen;
  };
  const byName: Record<string, (variables?: Record<string, unknown>) => Operation> = {};
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const query = [definition, ...[...used(definition)].map((name) => fragments.get(name)!)].map(print).join('\n\n');
    byName[definition.name!.value] = (variables) => ({ query, variables });
  }
  return byName;
}
