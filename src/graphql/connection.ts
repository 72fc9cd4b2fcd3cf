import { Field, ObjectType, Int } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db/sql';
import { InputErrors } from './input.errors';

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

/**
 * Checks `first` (0..500) and decodes `after`, which must have the shape `isKey` accepts: a cursor
 * of another list, or a forged one, is BAD_USER_INPUT rather than a database error.
 */
export function parsePage<K>(first: number | null | undefined, after: string | null | undefined, isKey: (key: unknown) => key is K): Page<K> {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw InputErrors.pageSize(size, MAX_PAGE_SIZE);
  }
  return { first: size, after: after ? decodeCursor(after, isKey) : undefined };
}

/** Opaque cursors: base64url of the JSON of the sort key. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K>(cursor: string, isKey: (key: unknown) => key is K): K {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw InputErrors.notACursor();
  }
  if (!isKey(key)) throw InputErrors.notACursor();
  return key;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Whether a cursor's time is one PostgreSQL reads as the same instant (no 30 February). */
export const isCursorTime = (value: unknown): value is string =>
  typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString().slice(0, 19) === value.slice(0, 19);

/** Cursor shapes shared by several lists. */
export const cursorKey = {
  /** An id: lists in id order. */
  id: (key: unknown): key is string => typeof key === 'string' && UUID.test(key),
  /** `[ISO time, id]`: lists newest first by a timestamp, then id. */
  timeAndId: (key: unknown): key is [string, string] =>
    Array.isArray(key) && key.length === 2 && isCursorTime(key[0]) && typeof key[1] === 'string' && UUID.test(key[1]),
};

/** An edge whose cursor is encoded only if a query reads it (most read the page's end cursor only). */
class LazyEdge<T> implements Edge<T> {
  constructor(
    readonly node: T,
    private readonly keyOf: (row: T) => unknown,
  ) {}

  get cursor(): string {
    return encodeCursor(this.keyOf(this.node));
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
  const edges = nodes.map((node) => new LazyEdge(node, keyOf));
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

/**
 * A total for toConnection, counted only if a query reads it: the rows of `from` that match the
 * conditions as they stand now (later keyset conditions on the same arrays do not count).
 */
export function countLater(em: EntityManager, from: string, where: readonly string[], params: readonly unknown[]): () => Promise<number> {
  const text = `select count(*)::int total from ${from} where ${where.join(' and ')}`;
  const bound = [...params];
  return async () => (await sql<{ total: number }>(em, text, bound))[0].total;
}
