import { randomUUID } from 'node:crypto';

/**
 * A time-ordered UUID (version 7), so new rows land at the end of their indexes. Built on
 * `randomUUID`, whose random bytes Node draws from a pooled buffer (cheap on the ingest path).
 */
export function uuidv7(): string {
  const time = Date.now().toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a client-supplied id can be an id of ours; anything else cannot exist. */
export const isUuid = (value: string): boolean => UUID.test(value);
