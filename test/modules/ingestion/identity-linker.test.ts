import 'reflect-metadata';
import { IdentityType } from '../../../src/graphql/enums';
import type { Identifier } from '../../../src/modules/customer/identifier.rules';
import { effectiveRules } from '../../../src/modules/customer/identity-rule.rules';
import { linkIdentities } from '../../../src/modules/ingestion/identity-linker.rules';
import type { KnownCustomer, LinkerItem } from '../../../src/modules/ingestion/ingestion.types';

const rules = effectiveRules([]);
const email = (value: string): Identifier => ({ type: IdentityType.EMAIL, value });
const phone = (value: string): Identifier => ({ type: IdentityType.PHONE, value });
const member = (value: string): Identifier => ({ type: IdentityType.MEMBER_ID, value });
const item = (index: number, ...identifiers: Identifier[]): LinkerItem => ({ index, identifiers });
const customer = (id: string, createdDay: number, limited: [IdentityType, string[]][] = []): KnownCustomer => ({
  id,
  createdAt: new Date(Date.UTC(2026, 0, 1 + createdDay)),
  limitedValues: new Map(limited.map(([type, values]) => [type, new Set(values)])),
});

/** Links with fresh ids new-1, new-2, ... and the owners given as [identifier, customer id]. */
function link(items: LinkerItem[], owned: [Identifier, string][] = [], known: KnownCustomer[] = []) {
  let next = 0;
  const owners = new Map(owned.map(([identifier, id]) => [`${identifier.type}:${identifier.value}`, id]));
  return linkIdentities(items, owners, new Map(known.map((c) => [c.id, c])), rules, () => `new-${++next}`);
}

describe('identity linker', () => {
  it('creates one customer for items whose identifiers are all new, and reuses it within the batch', () => {
    const result = link([item(0, email('a@x.cn'), phone('+8613800138000')), item(1, phone('+8613800138000'))]);
    expect(result.created).toEqual(['new-1']);
    expect([...result.customerOf]).toEqual([
      [0, 'new-1'],
      [1, 'new-1'],
    ]);
    expect([...result.newIdentities.keys()].sort()).toEqual(['EMAIL:a@x.cn', 'PHONE:+8613800138000']);
    expect(result.absorbed).toEqual([]);
    expect(result.unlinked).toEqual([]);
  });

  it('attaches an item to the owner of a known identifier and adds its new identifiers there', () => {
    const result = link([item(0, email('a@x.cn'), phone('+8613800138000'))], [[email('a@x.cn'), 'c1']], [customer('c1', 0)]);
    expect(result.created).toEqual([]);
    expect(result.customerOf.get(0)).toBe('c1');
    expect([...result.newIdentities.values()]).toEqual([{ identifier: phone('+8613800138000'), customerId: 'c1', index: 0 }]);
  });

  it('merges two known customers into the oldest, naming the identifiers that linked them', () => {
    const result = link(
      [item(0, phone('+8613800138000'), email('a@x.cn'))],
      [
        [email('a@x.cn'), 'young'],
        [phone('+8613800138000'), 'old'],
      ],
      [customer('young', 5), customer('old', 1)],
    );
    expect(result.customerOf.get(0)).toBe('old');
    expect(result.absorbed).toEqual([
      { absorbedId: 'young', survivorId: 'old', reason: 'EMAIL:a@x.cn + PHONE:+8613800138000', types: [IdentityType.EMAIL, IdentityType.PHONE] },
    ]);
  });

  it('follows a merge made earlier in the batch: a later item of the absorbed customer lands on the survivor', () => {
    const result = link(
      [item(0, email('a@x.cn'), phone('+8613800138000')), item(1, email('a@x.cn'))],
      [
        [email('a@x.cn'), 'young'],
        [phone('+8613800138000'), 'old'],
      ],
      [customer('young', 5), customer('old', 1)],
    );
    expect(result.customerOf.get(1)).toBe('old');
    expect(result.absorbed.map((a) => a.absorbedId)).toEqual(['young']);
  });

  it('refuses a merge that would give one customer two member ids, leaving the lower-priority identifier unlinked', () => {
    const result = link(
      [item(0, member('M1'), email('shared@x.cn'))],
      [
        [member('M1'), 'c1'],
        [email('shared@x.cn'), 'c2'],
      ],
      [customer('c1', 0, [[IdentityType.MEMBER_ID, ['M1']]]), customer('c2', 1, [[IdentityType.MEMBER_ID, ['M2']]])],
    );
    expect(result.customerOf.get(0)).toBe('c1');
    expect(result.absorbed).toEqual([]);
    expect(result.unlinked).toEqual([{ index: 0, identifier: email('shared@x.cn'), reason: 'linking it would merge two customers beyond the EMAIL rule' }]);
  });

  it('leaves a new identifier unlinked when its customer already holds as many values of the type as the rule allows', () => {
    const unionId = (value: string): Identifier => ({ type: IdentityType.WECHAT_UNIONID, value });
    const result = link(
      [item(0, member('M1'), unionId('U2'))],
      [[member('M1'), 'c1']],
      [
        customer('c1', 0, [
          [IdentityType.MEMBER_ID, ['M1']],
          [IdentityType.WECHAT_UNIONID, ['U1']],
        ]),
      ],
    );
    expect(result.customerOf.get(0)).toBe('c1');
    expect(result.newIdentities.size).toBe(0);
    expect(result.unlinked).toEqual([
      { index: 0, identifier: unionId('U2'), reason: 'would give one customer more WECHAT_UNIONID values than its rule allows' },
    ]);
  });

  it('puts an item on a new customer when its highest-priority identifier is new and a known one would break the rule', () => {
    const result = link([item(0, email('a@x.cn'), member('M2'))], [[email('a@x.cn'), 'c1']], [customer('c1', 0, [[IdentityType.MEMBER_ID, ['M1']]])]);
    expect(result.customerOf.get(0)).toBe('new-1');
    expect([...result.newIdentities.keys()]).toEqual(['MEMBER_ID:M2']);
    expect(result.unlinked).toEqual([{ index: 0, identifier: email('a@x.cn'), reason: 'belongs to a customer whose MEMBER_ID differs' }]);
  });

  it('never creates a customer that a later item of the batch links to an existing one', () => {
    const result = link([item(0, phone('+8613800138000')), item(1, email('a@x.cn'), phone('+8613800138000'))], [[email('a@x.cn'), 'c1']], [customer('c1', 0)]);
    expect(result.created).toEqual([]);
    expect([...result.customerOf]).toEqual([
      [0, 'c1'],
      [1, 'c1'],
    ]);
    expect(result.absorbed).toEqual([]);
    expect([...result.newIdentities.values()]).toEqual([{ identifier: phone('+8613800138000'), customerId: 'c1', index: 0 }]);
  });
});
