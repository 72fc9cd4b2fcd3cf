/**
 * What every subscriber of one bus message needs, loaded once per process rather than once per
 * subscriber: the bus hands the same message object to each local subscription, so it keys a
 * WeakMap and the entry goes with the message. Only for data that does not depend on the viewer's
 * role (masking stays in field resolvers); every subscriber of a message shares its workspace.
 */
const cache = new WeakMap<object, Map<string, Promise<unknown>>>();

export function sharedFor<T>(message: object, key: string, load: () => Promise<T>): Promise<T> {
  let entries = cache.get(message);
  if (!entries) cache.set(message, (entries = new Map()));
  if (!entries.has(key)) {
    const pending = load();
    pending.catch(() => entries!.delete(key));
    entries.set(key, pending);
  }
  return entries.get(key) as Promise<T>;
}
