import { ReferenceKind, type EntityClass, type EntityProperty } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Row } from './pipeline';

type FromRow<T> = (row: Row) => T;

const mappers = new WeakMap<object, FromRow<unknown>>();

type Convert = ((value: NonNullable<unknown>) => unknown) | undefined;

/** The ORM's connection answers times as text, and pg numeric and bigint columns too; the entity holds a Date or a number. */
const converterOf = (prop: EntityProperty): Convert =>
  prop.runtimeType === 'Date'
    ? (value) => new Date(value as string)
    : prop.runtimeType === 'number' && /^(numeric|decimal|bigint|int8)/.test(prop.columnTypes?.[0] ?? '')
      ? Number
      : undefined;

/**
 * Objects of an entity's class from its rows (`select *`), for hot reads: which column fills which
 * property is worked out once per entity from the ORM's metadata, and each row costs one object,
 * with no hydration and no identity map. The objects are answers, not managed entities: writes go
 * through the ORM with entities it loaded itself. Relations are left out (their ids are columns of
 * their own where a read needs them).
 */
export function fromRows<T extends object>(em: EntityManager, entity: EntityClass<T>): FromRow<T> {
  const known = mappers.get(entity);
  if (known) return known as FromRow<T>;
  const columns = Object.values(em.getMetadata().get(entity.name).properties)
    .filter((prop) => prop.kind === ReferenceKind.SCALAR && prop.persist !== false && prop.fieldNames?.length === 1)
    .map((prop) => ({ property: prop.name, column: prop.fieldNames[0], convert: converterOf(prop) }));
  // The ORM puts a setter on the entity's prototype for each property, which gives each instance
  // change tracking on first write; plain data properties one step above shadow them.
  const answer = Object.create(entity.prototype) as object;
  for (const { property } of columns) Object.defineProperty(answer, property, { value: undefined, writable: true, enumerable: false });
  const map: FromRow<T> = (row) => {
    const object = Object.create(answer) as Record<string, unknown>;
    for (const { property, column, convert } of columns) {
      const value = row[column];
      object[property] = convert && value !== null && value !== undefined ? convert(value) : value;
    }
    return object as T;
  };
  mappers.set(entity, map as FromRow<unknown>);
  return map;
}
