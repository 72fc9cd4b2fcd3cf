import 'reflect-metadata';
import { GraphQLEnumType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import type { PubSub } from 'type-graphql';
import { Fanout } from '../events/fanout';
import { logger } from '../telemetry/logger';
import { enforceTypeAccess } from './access';
import type { AuthChecker } from 'type-graphql';
import type { Context } from '../context';
import { Role } from './enums';
import { contractEnums } from './enums';
import { resolvers } from './resolvers';
import { DateTimeScalar, JSONScalar, scalarsMap } from './scalars';

/**
 * Builds the executable schema from the resolvers, with every type's access rule on its fields.
 * The contract's enums and scalars are served whether or not a field uses them yet.
 */
export function buildGraphQLSchema(pubSub: PubSub = new Fanout(logger) as PubSub): GraphQLSchema {
  const schema = buildSchemaSync({
    resolvers,
    authChecker,
    authMode: 'error',
    pubSub,
    scalarsMap,
    validate: false,
  });
  const config = schema.toConfig();
  const present = new Set(config.types.map((type) => type.name));
  const missing = [
    ...Object.entries(contractEnums)
      .filter(([name]) => !present.has(name))
      .map(([name, values]) => new GraphQLEnumType({ name, values: Object.fromEntries(Object.keys(values).map((key) => [key, { value: key }])) })),
    ...[DateTimeScalar, JSONScalar].filter((scalar) => !present.has(scalar.name)),
  ];
  return enforceTypeAccess(new GraphQLSchema({ ...config, types: [...config.types, ...missing] }));
}

/** The SDL committed as schema/schema.graphql: sorted, so diffs show only real changes. */
export function printSDL(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}

/** Root fields' `@Authorized(...)` roles; ADMIN may do everything in its workspace. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) =>
  roles.length === 0 || context.viewer.role === Role.ADMIN || roles.includes(context.viewer.role);
