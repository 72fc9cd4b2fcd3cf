import { getArgumentValues, getNamedType, isObjectType, Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** A field asked for under the current one, with its arguments' values (variables filled in). */
export interface SelectedField {
  name: string;
  args: Record<string, unknown>;
}

/**
 * The fields selected on the current field's object, through fragments and inline fragments, one
 * entry per occurrence (aliases with other arguments give more). For reading ahead: directives are
 * not evaluated, so a field under `@skip` may be read for nothing, never missed.
 */
export function selectedFields(info: GraphQLResolveInfo): SelectedField[] {
  const type = getNamedType(info.returnType);
  if (!isObjectType(type)) return [];
  const fields = type.getFields();
  const found: SelectedField[] = [];
  const visit = (set: SelectionSetNode | undefined, depth: number) => {
    if (!set || depth > 8) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const definition = fields[selection.name.value];
        if (definition) found.push({ name: definition.name, args: getArgumentValues(definition, selection, info.variableValues) });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, depth + 1);
      else visit(info.fragments[selection.name.value]?.selectionSet, depth + 1);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, 0);
  return found;
}
