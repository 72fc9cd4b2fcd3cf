import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass } from '@mikro-orm/core';
import { isUuid } from '../db/ids';

/**
 * Per-request DataLoaders. `byId(Entity)` batches lookups of one entity type by primary key into
 * one query; `named(name, batch)` gives a module's own loader, created once per request.
 */
export interface Loaders {
  byId<T extends { id: string }>(entity: EntityClass<T>): DataLoader<string, T | null>;
  named<K, V>(name: string, batch: (keys: readonly K[]) => Promise<V[]>, cacheKey?: (key: K) => unknown): DataLoader<K, V>;
}

export function createLoaders(em: EntityManager): Loaders {
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
            const rows = valid.length ? ((await em.find(entity, { id: { $in: valid } } as never)) as T[]) : [];
            const found = new Map(rows.map((row) => [row.id, row]));
            return ids.map((id) => found.get(id) ?? null);
          }),
      ),
    named: (name, batch, cacheKey) => once(name, () => new DataLoader(batch, { cacheKeyFn: cacheKey })),
  };
}
