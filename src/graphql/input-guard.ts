import {
  defaultFieldResolver,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { InputErrors } from './input.errors';
import { MAX_SEARCH_LENGTH } from '../modules/customer/customer.service';

/** The longest String or ID any argument or input field takes, unless `TIGHTER` says less. */
export const MAX_STRING_LENGTH = 10_000;
/** The deepest JSON (traits, properties) accepted, counted from the JSON value itself. */
export const MAX_JSON_DEPTH = 32;
/** Input objects and lists nest at most this deep in one argument (a rule tree, a batch of events). */
export const MAX_INPUT_DEPTH = 64;

/**
 * Tighter limits by schema coordinate (`Type.field` for input fields, `Type.field(arg:)` for
 * arguments): what costs the database more per character or item. A test checks each coordinate exists.
 */
export const TIGHTER: Record<string, { maxLength?: number; maxItems?: number }> = {
  'CustomerFilter.search': { maxLength: MAX_SEARCH_LENGTH },
  'Query.searchKnowledge(text:)': { maxLength: 2_000 },
  'Query.customerByIdentity(value:)': { maxLength: 1_000 },
  'IdentifierInput.value': { maxLength: 1_000 },
  'Mutation.ingest(events:)': { maxItems: 1_000 },
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuses a NUL byte, a lone surrogate (neither survives PostgreSQL text or jsonb) and an oversized string. */
function checkString(value: string, path: string, maxLength: number): void {
  if (value.length > maxLength) throw InputErrors.tooLong(path, maxLength);
  if (value.includes('\u0000')) throw InputErrors.holdsNul(path);
  if (LONE_SURROGATE.test(value)) throw InputErrors.unpairedSurrogate(path);
}

/** Walks a JSON value without recursing past the depth limit, so no input can overflow the stack. */
function checkJson(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string') return checkString(value, path, MAX_STRING_LENGTH);
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_JSON_DEPTH) throw InputErrors.jsonTooDeep(path, MAX_JSON_DEPTH);
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkJson(item, `${path}[${index}]`, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    checkString(key, `${path} key`, MAX_STRING_LENGTH);
    checkJson(item, `${path}.${key}`, depth + 1);
  }
}

/** Checks one coerced input value against its GraphQL type; `coordinate` names its tighter limits. */
function checkInput(value: unknown, type: GraphQLInputType, path: string, coordinate: string, depth: number): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return checkInput(value, type.ofType, path, coordinate, depth);
  if (depth > MAX_INPUT_DEPTH) throw InputErrors.tooDeep(path, MAX_INPUT_DEPTH);
  const limits = TIGHTER[coordinate] ?? {};
  if (isListType(type)) {
    if (!Array.isArray(value)) return checkInput(value, type.ofType, path, coordinate, depth + 1);
    if (limits.maxItems !== undefined && value.length > limits.maxItems) throw InputErrors.tooManyItems(path, limits.maxItems);
    value.forEach((item, index) => checkInput(item, type.ofType, `${path}[${index}]`, coordinate, depth + 1));
    return;
  }
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
      if (fields[name]) checkInput(item, fields[name].type, `${path}.${name}`, `${type.name}.${name}`, depth + 1);
    }
    return;
  }
  if (isScalarType(type)) {
    if (type.name === 'JSON') return checkJson(value, path, 0);
    if (typeof value !== 'string') return;
    checkString(value, path, limits.maxLength ?? MAX_STRING_LENGTH);
    // an empty id would read as "none given" wherever code asks `if (id)`
    if (type.name === 'ID' && value === '') throw InputErrors.emptyId(path);
  }
}

/**
 * How deep raw variables may nest before graphql-js coerces them (its coercion recurses, and
 * 5,000 levels overflow the stack): an argument's input objects and lists, then JSON inside.
 */
export const MAX_VARIABLE_DEPTH = MAX_INPUT_DEPTH + MAX_JSON_DEPTH;

/** Whether raw variables nest deeper than {@link MAX_VARIABLE_DEPTH}; walks no further than that. */
export function variablesTooDeep(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_VARIABLE_DEPTH) return true;
  return Object.values(value).some((item) => variablesTooDeep(item, depth + 1));
}

/** Checks every argument of a field as graphql-js coerced it, before the resolver sees any. */
export function checkArguments(typeName: string, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): void {
  for (const arg of field.args) {
    checkInput(args[arg.name], arg.type, arg.name, `${typeName}.${field.name}(${arg.name}:)`, 0);
  }
}

/**
 * Wraps the resolver (and a subscription's `subscribe`) of every field that takes arguments, on
 * every transport, so strings, JSON, depth and sizes are refused as BAD_USER_INPUT before any
 * resolver or SQL runs. Fields without arguments keep their resolvers untouched (no per-field cost).
 */
export function guardInputs(schema: GraphQLSchema): GraphQLSchema {
  const subscription = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const guarded = <F extends GraphQLFieldResolver<unknown, unknown>>(fn: F): F =>
        ((source, args, context, info) => {
          checkArguments(type.name, field, args);
          return fn(source, args, context, info);
        }) as F;
      if (type === subscription && field.subscribe) field.subscribe = guarded(field.subscribe);
      else field.resolve = guarded(field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}

/** Coordinates in `TIGHTER` that name nothing in the schema (a rename would silently drop a limit). */
export function unknownCoordinates(schema: GraphQLSchema): string[] {
  return Object.keys(TIGHTER).filter((coordinate) => {
    const match = /^(\w+)\.(\w+)(?:\((\w+):\))?$/.exec(coordinate);
    const type = match && schema.getType(match[1]);
    if (!match || !type) return true;
    if (isInputObjectType(type)) return !match[3] && !type.getFields()[match[2]];
    if (!isObjectType(type)) return true;
    const field = type.getFields()[match[2]];
    return !field || (match[3] !== undefined && !field.args.some((arg) => arg.name === match[3]));
  });
}
