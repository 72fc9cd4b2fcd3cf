import { ApolloArmor } from '@escape.tech/graphql-armor';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Limits } from '../config';

/**
 * graphql-armor's protections for Apollo: depth, cost, aliases, directives; and the
 * token limit as Apollo's own `parseOptions`. (Armor's Apollo token plugin parses in a plugin hook,
 * so every syntax error, over the limit or not, became a 500 rather than a 400 GRAPHQL_PARSE_FAILED.)
 */
export function apolloArmor(limits: Limits) {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    maxTokens: { enabled: false },
    // formatError strips graphql-js's suggestions from every error it answers, over both transports
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return { ...armor, parseOptions: { maxTokens: limits.maxTokens } };
}

/** The same limits as validation rules, for operations that arrive over WebSocket. */
export function armorRules(limits: Limits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
    costLimitRule({ maxCost: limits.maxCost, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesRule({ n: limits.maxAliases }),
    maxDirectivesRule({ n: limits.maxDirectives }),
  ];
}

const SUGGESTION = / ?Did you mean .*\?$/;

/** Removes graphql-js's "Did you mean ...?" hints, which would reveal the schema. */
export function withoutSuggestion(error: GraphQLError): GraphQLError {
  if (!SUGGESTION.test(error.message)) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), { nodes: error.nodes, extensions: error.extensions });
}

/**
 * Parses and validates a WebSocket operation under the HTTP limits. Returns the document, or the
 * errors to send back (coded GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED).
 */
export function checkOperation(schema: GraphQLSchema, query: string, limits: Limits, rules: ValidationRule[]): DocumentNode | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'Syntax error';
    return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
  }
  let errors: readonly GraphQLError[];
  try {
    errors = validate(schema, document, [...specifiedRules, ...rules]);
  } catch (error) {
    // graphql-armor's rules throw their rejection rather than report it
    if (!(error instanceof GraphQLError)) throw error;
    errors = [error];
  }
  if (errors.length > 0) {
    return errors.map((error) => withoutSuggestion(new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })));
  }
  return document;
}
