import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass } from '@mikro-orm/core';

/**
 * Per-request DataLoaders. `byId(Entity)` batches lookups of one entity type by primary key into
 * one query; modules add their own loaders here as they need them.
 */
export interface Loaders {
  byId<T extends { id: string }>(entity: EntityClass<T>): DataLoader<string, T | null>;
}

export function createLoaders(em: EntityManager): Loaders {
  const byEntity = new Map<EntityClass<unknown>, DataLoader<string, unknown>>();
  return {
    byId<T extends { id: string }>(entity: EntityClass<T>) {
      let loader = byEntity.get(entity as EntityClass<unknown>);
      if (!loader) {
        loader = new DataLoader<string, T | null>(async (ids) => {
          const rows = (await em.find(entity, { id: { $in: [...ids] } } as never)) as T[];
          const found = new Map(rows.map((row) => [row.id, row]));
          return ids.map((id) => found.get(id) ?? null);
        });
        byEntity.set(entity as EntityClass<unknown>, loader);
      }
      return loader as DataLoader<string, T | null>;
    },
  };
}
