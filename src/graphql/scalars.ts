import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

/** `DateTime` (ISO 8601) and `JSON`, under the contract's names. */
export const DateTimeScalar = DateTimeResolver;
export const JSONScalar = JSONResolver;

export const scalarsMap = [{ type: Date, scalar: DateTimeScalar }];
