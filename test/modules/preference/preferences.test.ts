import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('preference.graphql'), ...operations('ingest.graphql'), ...operations('merge.graphql') };
const clock = new TestClock('2026-06-01T04:00:00Z');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clock });
});
afterAll(() => t.stop());

const identify = async (email: string, key = t.adminKey) =>
  (await data(t.url, key, op.Identify({ identifiers: [{ type: 'EMAIL', value: email }] }))).identify.id as string;
const setPreferences = (customerId: string, input: Record<string, unknown>, key = t.adminKey) => post(t.url, key, op.SetPreferences({ customerId, input }));

describe('preferences and consent', () => {
  it('sets every preference, keeps consent decisions as history and writes the audit log', async () => {
    const id = await identify('pref1@p.test');
    const input = {
      preferredChannels: ['WECHAT', 'SMS', 'EMAIL'],
      language: 'zh-CN',
      timezone: 'Asia/Shanghai',
      quietHours: { start: '22:00', end: '08:00' },
      frequencyCap: { maxContacts: 3, perDays: 7 },
      consents: [
        { channel: 'SMS', purpose: 'MARKETING', granted: true, source: 'signup-form' },
        { channel: 'EMAIL', purpose: 'MARKETING', granted: false, source: 'unsubscribe-link' },
      ],
    };
    const { setPreferences: saved } = await data(t.url, t.adminKey, op.SetPreferences({ customerId: id, input }));
    expect(saved).toMatchObject({
      preferredChannels: ['WECHAT', 'SMS', 'EMAIL'],
      language: 'zh-CN',
      timezone: 'Asia/Shanghai',
      quietHours: { start: '22:00', end: '08:00' },
      frequencyCap: { maxContacts: 3, perDays: 7 },
    });
    expect(saved.consents.map((c: any) => [c.channel, c.purpose, c.granted, c.source, c.updatedAt])).toEqual([
      ['EMAIL', 'MARKETING', false, 'unsubscribe-link', '2026-06-01T04:00:00.000Z'],
      ['SMS', 'MARKETING', true, 'signup-form', '2026-06-01T04:00:00.000Z'],
    ]);

    clock.advanceDays(1);
    await data(
      t.url,
      t.adminKey,
      op.SetPreferences({ customerId: id, input: { consents: [{ channel: 'SMS', purpose: 'MARKETING', granted: false, source: 'sms-reply TD' }] } }),
    );
    const { customer } = await data(t.url, t.adminKey, op.CustomerPreferences({ id }));
    expect(customer.preferences.preferredChannels).toEqual(['WECHAT', 'SMS', 'EMAIL']);
    expect(customer.preferences.consents.find((c: any) => c.channel === 'SMS')).toMatchObject({ granted: false, source: 'sms-reply TD' });
    // newest first; changes made in the same request share their time, and ids within a millisecond are not ordered
    const history = customer.consentHistory.map((c: any) => [c.channel, c.granted, c.at]);
    expect(history.map((entry: unknown[]) => entry[2])).toEqual(['2026-06-02T04:00:00.000Z', '2026-06-01T04:00:00.000Z', '2026-06-01T04:00:00.000Z']);
    expect(history[0]).toEqual(['SMS', false, '2026-06-02T04:00:00.000Z']);
    expect(history.slice(1).sort()).toEqual([
      ['EMAIL', false, '2026-06-01T04:00:00.000Z'],
      ['SMS', true, '2026-06-01T04:00:00.000Z'],
    ]);
    const audits = await t.sql(`select details from audit_entry where action = 'customer.preferences_updated' and subject_id = ? order by at`, [id]);
    expect(audits).toHaveLength(2);
    expect(audits[1].details).toEqual({ fields: [], consents: [{ channel: 'SMS', purpose: 'MARKETING', granted: false, source: 'sms-reply TD' }] });
  });

  it('leaves what the input omits, and clears what it sets to null', async () => {
    const id = await identify('pref2@p.test');
    await data(
      t.url,
      t.adminKey,
      op.SetPreferences({
        customerId: id,
        input: { language: 'en', quietHours: { start: '21:30', end: '07:00' }, frequencyCap: { maxContacts: 2, perDays: 14 } },
      }),
    );
    const { setPreferences: after } = await data(
      t.url,
      t.adminKey,
      op.SetPreferences({ customerId: id, input: { quietHours: null, timezone: 'Europe/London' } }),
    );
    expect(after).toMatchObject({
      language: 'en',
      timezone: 'Europe/London',
      quietHours: null,
      frequencyCap: { maxContacts: 2, perDays: 14 },
      preferredChannels: [],
    });
  });

  it('refuses bad input with the field named, and writes nothing', async () => {
    const id = await identify('pref3@p.test');
    const consents = [{ channel: 'SMS', purpose: 'MARKETING', granted: true }];
    const cases: [Record<string, unknown>, string][] = [
      [{ timezone: 'Mars/Olympus', consents }, 'timezone'],
      [{ quietHours: { start: '22:00', end: '24:00' } }, 'quietHours.end'],
      [{ quietHours: { start: '7:00', end: '08:00' } }, 'quietHours.start'],
      [{ quietHours: { start: '08:00', end: '08:00' } }, 'quietHours'],
      [{ preferredChannels: ['SMS', 'SMS'] }, 'preferredChannels'],
      [{ frequencyCap: { maxContacts: 0, perDays: 7 } }, 'frequencyCap.maxContacts'],
      [{ frequencyCap: { maxContacts: 2, perDays: 400 } }, 'frequencyCap.perDays'],
      [{ language: 'not a language!' }, 'language'],
      [{ consents: [...consents, { channel: 'SMS', purpose: 'MARKETING', granted: false }] }, 'consents[1]'],
    ];
    for (const [input, field] of cases) {
      const response = await setPreferences(id, input);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors[0].extensions.field).toBe(field);
    }
    const [{ n }] = await t.sql(
      `select (select count(*) from consent where customer_id = ?) + (select count(*) from customer_preference where customer_id = ?) as n`,
      [id, id],
    );
    expect(Number(n)).toBe(0);
  });

  it('is for ADMIN and MARKETER keys of the customer’s own workspace only', async () => {
    const id = await identify('pref4@p.test');
    expect(codes(await setPreferences(id, { language: 'en' }, await t.addKey(Role.AGENT)))).toEqual(['FORBIDDEN']);
    expect(codes(await setPreferences(id, { language: 'en' }, await t.addKey(Role.MARKETER)))).toEqual([]);
    const other = await t.addWorkspace('Other preferences');
    expect(codes(await setPreferences(id, { language: 'fr' }, other.adminKey))).toEqual(['NOT_FOUND']);
    expect((await data(t.url, other.adminKey, op.CustomerPreferences({ id }))).customer).toBeNull();
    expect(codes(await setPreferences('00000000-0000-7000-8000-000000000000', { language: 'en' }))).toEqual(['NOT_FOUND']);
  });

  it('keeps each customer’s decisions through a merge, the latest winning, and gives them back on unmerge', async () => {
    const survivor = await identify('pref5a@p.test');
    const absorbed = await identify('pref5b@p.test');
    await data(
      t.url,
      t.adminKey,
      op.SetPreferences({
        customerId: survivor,
        input: { preferredChannels: ['EMAIL'], consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }] },
      }),
    );
    clock.advanceDays(1);
    await data(
      t.url,
      t.adminKey,
      op.SetPreferences({ customerId: absorbed, input: { consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: false, source: 'complaint' }] } }),
    );
    await data(t.url, t.adminKey, op.MergeCustomers({ survivorId: survivor, absorbedId: absorbed }));

    const merged = (await data(t.url, t.adminKey, op.CustomerPreferences({ id: absorbed }))).customer;
    expect(merged.id).toBe(survivor);
    expect(merged.preferences.preferredChannels).toEqual(['EMAIL']);
    expect(merged.preferences.consents).toEqual([expect.objectContaining({ channel: 'EMAIL', granted: false, source: 'complaint' })]);
    expect(merged.consentHistory).toHaveLength(2);

    const [merge] = await t.sql(`select id from customer_merge where absorbed_id = ?`, [absorbed]);
    await data(t.url, t.adminKey, op.UnmergeCustomer({ mergeId: merge.id }));
    const back = (await data(t.url, t.adminKey, op.CustomerPreferences({ id: survivor }))).customer;
    expect(back.preferences.consents).toEqual([expect.objectContaining({ channel: 'EMAIL', granted: true })]);
  });

  it('counts live customers by stage, tier and first preferred channel', async () => {
    const other = await t.addWorkspace('Metrics');
    const ids = [];
    for (const email of ['m1@p.test', 'm2@p.test', 'm3@p.test']) ids.push(await identify(email, other.adminKey));
    await data(t.url, other.adminKey, op.SetPreferences({ customerId: ids[0], input: { preferredChannels: ['WECHAT', 'SMS'] } }));
    await data(t.url, other.adminKey, op.SetPreferences({ customerId: ids[1], input: { preferredChannels: ['WECHAT'] } }));
    await data(
      t.url,
      other.adminKey,
      op.Ingest({
        events: [{ messageId: 'm-buy', kind: 'TRACK', event: 'order_completed', revenue: 20000, identifiers: [{ type: 'EMAIL', value: 'm3@p.test' }] }],
      }),
    );
    const { customerMetrics } = await data(t.url, other.adminKey, op.CustomerMetrics());
    expect(customerMetrics.total).toBe(3);
    expect(customerMetrics.byLifecycleStage).toEqual(
      expect.arrayContaining([
        { key: 'PROSPECT', count: 2 },
        { key: 'NEW', count: 1 },
        { key: 'CHURNED', count: 0 },
      ]),
    );
    expect(customerMetrics.byValueTier).toEqual([
      { key: 'HIGH', count: 0 },
      { key: 'MEDIUM', count: 1 },
      { key: 'BASIC', count: 2 },
    ]);
    expect(customerMetrics.byPreferredChannel).toEqual([
      { key: 'WECHAT', count: 2 },
      { key: 'NONE', count: 1 },
    ]);
  });
});
