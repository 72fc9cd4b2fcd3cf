import type { IdentityType } from '../../graphql/enums';
import { identifierKey, type Identifier } from '../customer/identifier.rules';
import type { IdentityRule } from '../customer/identity-rule.types';
import type { KnownCustomer, LinkerItem, LinkResult } from './ingestion.types';

/**
 * Decides, without I/O, which customer each item belongs to. Identifiers are taken in rule priority
 * order; the first that is known picks the customer; a known identifier of another customer merges
 * the two (the oldest survives) unless a per-customer limit would be exceeded, in which case that
 * lower-priority identifier is left unlinked. Items whose identifiers are all new create a customer.
 */
export function linkIdentities(
  items: LinkerItem[],
  owners: Map<string, string>,
  known: Map<string, KnownCustomer>,
  rules: Map<IdentityType, IdentityRule>,
  newId: () => string,
): LinkResult {
  const parent = new Map<string, string>();
  const order = new Map<string, number>();
  const values = new Map<string, Map<IdentityType, Set<string>>>();
  const linkedBy = new Map<string, Identifier[]>();
  const result: LinkResult = { customerOf: new Map(), created: [], absorbed: [], newIdentities: new Map(), unlinked: [] };
  let sequence = 0;

  for (const customer of [...known.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))) {
    parent.set(customer.id, customer.id);
    order.set(customer.id, sequence++);
    values.set(customer.id, customer.limitedValues);
  }
  const root = (id: string): string => {
    let current = id;
    while (parent.get(current) !== current) current = parent.get(current)!;
    parent.set(id, current);
    return current;
  };
  const limited = (type: IdentityType) => rules.get(type)?.maxPerCustomer ?? null;
  const fits = (a: Map<IdentityType, Set<string>>, b: Map<IdentityType, Set<string>>): boolean => {
    for (const [type, set] of b) {
      const max = limited(type);
      if (max === null) continue;
      const union = new Set([...(a.get(type) ?? []), ...set]);
      if (union.size > max) return false;
    }
    return true;
  };
  const none = new Map<IdentityType, Set<string>>();
  const valuesOf = (identifiers: Identifier[]) => {
    let map: Map<IdentityType, Set<string>> | null = null;
    for (const identifier of identifiers) {
      if (limited(identifier.type) === null) continue;
      map ??= new Map();
      map.set(identifier.type, new Set([...(map.get(identifier.type) ?? []), identifier.value]));
    }
    return map ?? none;
  };
  const absorb = (into: Map<IdentityType, Set<string>>, from: Map<IdentityType, Set<string>>) => {
    for (const [type, set] of from) into.set(type, new Set([...(into.get(type) ?? []), ...set]));
  };
  const priority = (identifier: Identifier) => rules.get(identifier.type)?.priority ?? 100;

  for (const item of items) {
    const identifiers = [...item.identifiers].sort((a, b) => priority(a) - priority(b));
    let target: string | null = null;
    const pending: Identifier[] = [];
    const reasons: Identifier[] = [];
    for (const identifier of identifiers) {
      const key = identifierKey(identifier);
      const owner = owners.has(key) ? root(owners.get(key)!) : null;
      const leave = (reason: string) => result.unlinked.push({ index: item.index, identifier, reason });
      if (owner === null) {
        const own = valuesOf([identifier]);
        if (own === none || fits(target ? values.get(target)! : valuesOf(pending), own)) pending.push(identifier);
        else leave(`would give one customer more ${identifier.type} values than its rule allows`);
      } else if (target === null) {
        if (fits(values.get(owner)!, valuesOf(pending))) {
          target = owner;
          reasons.push(identifier);
        } else leave(`belongs to a customer whose ${identifiers[0].type} differs`);
      } else if (owner === target) {
        reasons.push(identifier);
      } else if (fits(values.get(target)!, values.get(owner)!)) {
        const [survivor, absorbed]: string[] = order.get(target)! <= order.get(owner)! ? [target, owner] : [owner, target];
        parent.set(absorbed, survivor);
        absorb(values.get(survivor)!, values.get(absorbed)!);
        linkedBy.set(absorbed, [...reasons, identifier]);
        target = survivor;
        reasons.push(identifier);
      } else {
        leave(`linking it would merge two customers beyond the ${identifier.type} rule`);
      }
    }
    if (target === null) {
      target = newId();
      parent.set(target, target);
      order.set(target, sequence++);
      values.set(target, new Map());
      result.created.push(target);
    }
    for (const identifier of pending) {
      const key = identifierKey(identifier);
      if (owners.has(key)) continue; // the same new identifier twice in one item
      owners.set(key, target);
      absorb(values.get(target)!, valuesOf([identifier]));
      result.newIdentities.set(key, { identifier, customerId: target, index: item.index });
    }
    result.customerOf.set(item.index, target);
  }

  for (const [index, customerId] of result.customerOf) result.customerOf.set(index, root(customerId));
  for (const entry of result.newIdentities.values()) entry.customerId = root(entry.customerId);
  result.created = result.created.filter((id) => root(id) === id);
  for (const id of known.keys()) {
    if (root(id) === id) continue;
    const linking = linkedBy.get(id) ?? [];
    result.absorbed.push({
      absorbedId: id,
      survivorId: root(id),
      reason: linking.map(identifierKey).join(' + '),
      types: [...new Set(linking.map((identifier) => identifier.type))],
    });
  }
  return result;
}
