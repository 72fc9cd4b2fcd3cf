import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass } from '@mikro-orm/core';
import { isUuid } from '../db/ids';
import type { Row } from '../db/pipeline';
import { byKey } from '../db/sql';
import { fromRows } from '../db/rows';

/**
 * Per-request DataLoaders. `byId(Entity)` batches lookups of one entity type by primary key into
 * one query; `named(name, batch)` gives a module's own loader, created once per request;
 * `read(text, params)` is how loaders read: every read of the request queued in the same turn of
 * the event loop goes out in one round trip.
 */
export interface Loaders {
  byId<T extends { id: string }>(entity: EntityClass<T>): DataLoader<string, T | null>;
  named<K, V>(name: string, batch: (keys: readonly K[]) => Promise<V[]>, cacheKey?: (key: K) => unknown): DataLoader<K, V>;
  /** A statement that probes by key (`?` placeholders, see `byKey`), pipelined with the request's other reads of this turn. */
  read<T = Row>(text: string, params: readonly unknown[]): Promise<T[]>;
  /** Objects of an entity from the rows `read` answers (see `fromRows`). */
  rows<T extends object>(entity: EntityClass<T>): (row: Row) => T;
}

/** `em` is asked for on first use of an ORM loader; `reader` runs the plain reads (the request's transaction, if it reads in one). */
export function createLoaders(em: () => EntityManager, reader: EntityManager = em()): Loaders {
  const loaders = new Map<unknown, DataLoader<unknown, unknown>>();
  const once = <K, V>(key: unknown, make: () => DataLoader<K, V>): DataLoader<K, V> => {
    if (!loaders.has(key)) loaders.set(key, make() as DataLoader<unknown, unknown>);
    return loaders.get(key) as DataLoader<K, V>;
  };
  return {
    byId: <T extends { id: string }>(entity: EntityClass<T>) =>
      once(
        entity,
        () =>
          new DataLoader<string, T | null>(async (ids) => {
            // an id that is not a UUID names nothing (and the uuid column would refuse it)
            const valid = ids.filter(isUuid);
            const rows = valid.length ? ((await em().find(entity, { id: { $in: valid } } as never)) as T[]) : [];
            const found = new Map(rows.map((row) => [row.id, row]));
            return ids.map((id) => found.get(id) ?? null);
          }),
      ),
    named: (name, batch, cacheKey) => once(name, () => new DataLoader(batch, { cacheKeyFn: cacheKey })),
    read: readsInOneRoundTrip(reader),
    rows: (entity) => fromRows(reader, entity),
  };
}

interface QueuedRead {
  text: string;
  params: readonly unknown[];
  resolve(rows: Row[]): void;
  reject(error: unknown): void;
}

/**
 * DataLoader dispatches each loader's batch on its own tick; sibling fields (a customer's
 * identities, events and merges) dispatch in the same turn. Their statements wait for the end of
 * that turn (setImmediate runs after every pending tick) and are sent together.
 */
function readsInOneRoundTrip(em: EntityManager): Loaders['read'] {
  let queued: QueuedRead[] = [];
  const flush = () => {
    const batch = queued;
    queued = [];
    byKey(em, batch).then(
      (results) => batch.forEach((read, i) => read.resolve(results[i])),
      (error: unknown) => batch.forEach((read) => read.reject(error)),
    );
  };
  return <T>(text: string, params: readonly unknown[]) =>
    new Promise<T[]>((resolve, reject) => {
      if (queued.length === 0) setImmediate(flush);
      queued.push({ text, params, resolve: resolve as (rows: Row[]) => void, reject });
    });
}
