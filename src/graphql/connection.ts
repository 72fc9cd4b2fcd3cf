import { Field, ObjectType, Int } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import { AppError } from '../errors';

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor?: string | null;
  @Field(() => String, { nullable: true }) endCursor?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount?: number | Promise<number>;
}

/** Builds `<Name>Edge` and `<Name>Connection` object types for a node type. */
export function connectionTypes<T extends object>(nodeType: ClassType<T>, options: { totalCount?: boolean } = {}) {
  const name = nodeType.name;

  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field() cursor!: string;
    @Field(() => nodeType) node!: T;
  }

  if (options.totalCount) {
    @ObjectType(`${name}Connection`)
    class CountedConnection {
      @Field(() => [EdgeType]) edges!: EdgeType[];
      @Field(() => PageInfo) pageInfo!: PageInfo;
      @Field(() => Int) totalCount!: number;
    }
    return { Edge: EdgeType, Connection: CountedConnection };
  }

  @ObjectType(`${name}Connection`)
  class PlainConnection {
    @Field(() => [EdgeType]) edges!: EdgeType[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return { Edge: EdgeType, Connection: PlainConnection };
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Validated paging arguments: the page size and the decoded position to continue after. */
export interface Page<K> {
  first: number;
  after?: K;
}

/** Checks `first` (1..500) and decodes `after`; both errors are BAD_USER_INPUT. */
export function parsePage<K>(first: number | null | undefined, after: string | null | undefined): Page<K> {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw AppError.badInput(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${size}`, { argument: 'first', max: MAX_PAGE_SIZE });
  }
  return { first: size, after: after ? decodeCursor<K>(after) : undefined };
}

/** Opaque cursors: base64url of the JSON of the sort key. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K>(cursor: string): K {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as K;
  } catch {
    throw AppError.badInput('after is not a cursor this API issued', { argument: 'after' });
  }
}

/**
 * Turns `first + 1` fetched rows into a connection: the extra row only says there is a next page.
 * `keyOf` gives the sort key a cursor encodes. A `totalCount` given as a function runs only when a
 * query reads the total, and once.
 */
export function toConnection<T>(rows: T[], page: Page<unknown>, keyOf: (row: T) => unknown, totalCount?: number | (() => Promise<number>)): Connection<T> {
  const hasNextPage = rows.length > page.first;
  const nodes = hasNextPage ? rows.slice(0, page.first) : rows;
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  const connection: Connection<T> = {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: page.after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
  if (typeof totalCount !== 'function') return { ...connection, totalCount };
  let counted: Promise<number> | undefined;
  return Object.defineProperty(connection, 'totalCount', { enumerable: true, get: () => (counted ??= totalCount()) });
}
