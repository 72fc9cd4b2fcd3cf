import { badInput } from '../errors';

/** Refusals of arguments by the input guard and the connection helpers, before any resolver runs. */
export const InputErrors = {
  tooLong: (path: string, max: number) => badInput('INPUT_TOO_LONG', `${path} is longer than ${max} characters`, { argument: path, max }),
  holdsNul: (path: string) => badInput('INPUT_HOLDS_NUL', `${path} holds a NUL character`, { argument: path }),
  unpairedSurrogate: (path: string) => badInput('INPUT_UNPAIRED_SURROGATE', `${path} holds an unpaired UTF-16 surrogate`, { argument: path }),
  jsonTooDeep: (path: string, max: number) => badInput('INPUT_JSON_TOO_DEEP', `${path} nests deeper than ${max} levels`, { argument: path, max }),
  tooDeep: (path: string, max: number) => badInput('INPUT_TOO_DEEP', `${path} nests deeper than ${max} levels`, { argument: path, max }),
  tooManyItems: (path: string, max: number) => badInput('INPUT_TOO_MANY_ITEMS', `${path} holds more than ${max} items`, { argument: path, max }),
  emptyId: (path: string) => badInput('INPUT_EMPTY_ID', `${path} is an empty id`, { argument: path }),
  /** Variables too deep for graphql-js to coerce, refused before it tries. */
  variablesTooDeep: (max: number) => badInput('VARIABLES_TOO_DEEP', `The variables nest deeper than ${max} levels`, { max }),
  pageSize: (size: number, max: number) => badInput('PAGE_SIZE_OUT_OF_RANGE', `first must be between 0 and ${max}, got ${size}`, { argument: 'first', max }),
  notACursor: () => badInput('CURSOR_INVALID', 'after is not a cursor of this list', { argument: 'after' }),
};
