import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';
import { sqlStatements } from '../../support/sql-count';

const op = { ...operations('preference.graphql'), ...operations('ingest.graphql'), ...operations('merge.graphql') };
const clock = new TestClock('2026-06-01T04:00:00Z');
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer({ clock });
});
afterAll(() => t.stop());

type Identifier = { type: string; value: string };
const customer = async (identifiers: Identifier[], key = t.adminKey) => (await data(t.url, key, op.Identify({ identifiers }))).identify.id as string;
const withPhone = (name: string) =>
  customer([
    { type: 'EMAIL', value: `${name}@c.test` },
    { type: 'PHONE', value: `+86137${String(++n).padStart(8, '0')}` },
  ]);
const prefer = (customerId: string, input: Record<string, unknown>) => data(t.url, t.adminKey, op.SetPreferences({ customerId, input }));
const marketingOk = (...channels: string[]) => ({ consents: channels.map((channel) => ({ channel, purpose: 'MARKETING', granted: true })) });
const check = async (id: string, channel: string, purpose: string, at?: string) =>
  (await data(t.url, t.adminKey, op.Contactability({ id, channel, purpose, at }))).customer.contactability;
const contact = async (customerId: string, channel: string, purpose = 'MARKETING') =>
  (await data(t.url, t.adminKey, op.RecordContact({ customerId, channel, purpose }))).recordContact;
const track = (email: string, event: string, extra: Record<string, unknown>) =>
  data(t.url, t.adminKey, op.Ingest({ events: [{ messageId: `c-${++n}`, kind: 'TRACK', event, identifiers: [{ type: 'EMAIL', value: email }], ...extra }] }));

const allowed = { allowed: true, blockedBy: [], nextAllowedAt: null };

describe('contactability', () => {
  it('SERVICE needs no consent but respects an explicit refusal; MARKETING needs consent', async () => {
    clock.set('2026-06-01T04:00:00Z');
    const id = await withPhone('svc');
    expect(await check(id, 'SMS', 'SERVICE')).toEqual(allowed);
    expect(await check(id, 'SMS', 'MARKETING')).toEqual({ allowed: false, blockedBy: ['NO_CONSENT'], nextAllowedAt: null });
    await prefer(id, {
      consents: [
        { channel: 'SMS', purpose: 'SERVICE', granted: false },
        { channel: 'SMS', purpose: 'MARKETING', granted: true },
      ],
    });
    expect(await check(id, 'SMS', 'SERVICE')).toEqual({ allowed: false, blockedBy: ['NO_CONSENT'], nextAllowedAt: null });
    expect(await check(id, 'SMS', 'MARKETING')).toEqual(allowed);
    expect(await check(id, 'PHONE', 'SERVICE')).toEqual(allowed);
  });

  it('blocks a channel no identity reaches, with every reason listed and no time to wait for', async () => {
    const id = await customer([{ type: 'EMAIL', value: 'nophone@c.test' }]);
    expect(await check(id, 'SMS', 'SERVICE')).toEqual({ allowed: false, blockedBy: ['CHANNEL_UNREACHABLE'], nextAllowedAt: null });
    expect(await check(id, 'SMS', 'MARKETING')).toEqual({ allowed: false, blockedBy: ['NO_CONSENT', 'CHANNEL_UNREACHABLE'], nextAllowedAt: null });
    expect(await check(id, 'WECHAT', 'SERVICE')).toMatchObject({ blockedBy: ['CHANNEL_UNREACHABLE'] });
    await prefer(id, { ...marketingOk('SMS', 'EMAIL'), quietHours: { start: '00:00', end: '23:59' } });
    expect(await check(id, 'SMS', 'MARKETING')).toEqual({ allowed: false, blockedBy: ['CHANNEL_UNREACHABLE', 'QUIET_HOURS'], nextAllowedAt: null });
    expect(await check(id, 'EMAIL', 'MARKETING')).toMatchObject({ allowed: false, blockedBy: ['QUIET_HOURS'] });
  });

  it('respects quiet hours across midnight in the customer’s zone, else the workspace’s', async () => {
    const id = await withPhone('quiet');
    await prefer(id, { ...marketingOk('SMS'), quietHours: { start: '22:00', end: '08:00' } });
    // no zone of their own: the workspace's, Asia/Shanghai (UTC+8)
    expect(await check(id, 'SMS', 'MARKETING', '2026-06-01T15:30:00Z')).toEqual({
      allowed: false,
      blockedBy: ['QUIET_HOURS'],
      nextAllowedAt: '2026-06-02T00:00:00.000Z',
    });
    expect(await check(id, 'SMS', 'MARKETING', '2026-06-01T23:59:00Z')).toEqual({
      allowed: false,
      blockedBy: ['QUIET_HOURS'],
      nextAllowedAt: '2026-06-02T00:00:00.000Z',
    });
    expect(await check(id, 'SMS', 'MARKETING', '2026-06-02T00:00:00Z')).toEqual(allowed);
    expect(await check(id, 'SMS', 'MARKETING', '2026-06-01T13:59:00Z')).toEqual(allowed);
    // SERVICE ignores quiet hours
    expect(await check(id, 'SMS', 'SERVICE', '2026-06-01T15:30:00Z')).toEqual(allowed);

    await prefer(id, { timezone: 'America/New_York' });
    // 15:30Z is 11:30 in New York; 03:00Z is 23:00 the evening before
    expect(await check(id, 'SMS', 'MARKETING', '2026-06-01T15:30:00Z')).toEqual(allowed);
    expect(await check(id, 'SMS', 'MARKETING', '2026-06-02T03:00:00Z')).toEqual({
      allowed: false,
      blockedBy: ['QUIET_HOURS'],
      nextAllowedAt: '2026-06-02T12:00:00.000Z',
    });
  });

  it('gets daylight-saving days right', async () => {
    const id = await withPhone('dst');
    await prefer(id, { ...marketingOk('SMS'), timezone: 'America/New_York', quietHours: { start: '22:00', end: '02:30' } });
    // 8 March 2026: 02:30 never happens in New York; quiet hours end when the clocks jump (07:00Z)
    expect(await check(id, 'SMS', 'MARKETING', '2026-03-08T06:30:00Z')).toMatchObject({
      blockedBy: ['QUIET_HOURS'],
      nextAllowedAt: '2026-03-08T07:00:00.000Z',
    });
    expect(await check(id, 'SMS', 'MARKETING', '2026-03-08T07:00:00Z')).toEqual(allowed);
    // 1 November 2026: 01:30 happens twice; quiet hours end at the first, and come back in the repeated hour
    await prefer(id, { quietHours: { start: '23:00', end: '01:30' } });
    expect(await check(id, 'SMS', 'MARKETING', '2026-11-01T05:00:00Z')).toMatchObject({
      blockedBy: ['QUIET_HOURS'],
      nextAllowedAt: '2026-11-01T05:30:00.000Z',
    });
    expect(await check(id, 'SMS', 'MARKETING', '2026-11-01T05:45:00Z')).toEqual(allowed);
    expect(await check(id, 'SMS', 'MARKETING', '2026-11-01T06:15:00Z')).toMatchObject({
      blockedBy: ['QUIET_HOURS'],
      nextAllowedAt: '2026-11-01T06:30:00.000Z',
    });
  });

  it('caps marketing by value tier (1, 2 or 6 per 30 days), by the customer’s own cap, and by the workspace’s settings', async () => {
    clock.set('2026-06-01T04:00:00Z');
    const basic = await withPhone('capbasic');
    await prefer(basic, marketingOk('SMS', 'EMAIL'));
    expect(await contact(basic, 'SMS')).toEqual({ allowed: false, blockedBy: ['FREQUENCY_CAP'], nextAllowedAt: '2026-07-01T04:00:00.000Z' });
    // the cap is across channels; SERVICE contact is not capped
    expect(await check(basic, 'EMAIL', 'MARKETING')).toMatchObject({ blockedBy: ['FREQUENCY_CAP'] });
    expect(await check(basic, 'EMAIL', 'SERVICE')).toEqual(allowed);
    expect(await check(basic, 'SMS', 'MARKETING', '2026-07-01T04:00:00Z')).toEqual(allowed);

    const medium = await withPhone('capmedium');
    await track('capmedium@c.test', 'order_completed', { revenue: 20_000 });
    await prefer(medium, marketingOk('SMS'));
    expect(await contact(medium, 'SMS')).toEqual(allowed);
    clock.advanceDays(10);
    expect(await contact(medium, 'SMS')).toEqual({ allowed: false, blockedBy: ['FREQUENCY_CAP'], nextAllowedAt: '2026-07-01T04:00:00.000Z' });

    const high = await withPhone('caphigh');
    await track('caphigh@c.test', 'order_completed', { revenue: 150_000 });
    await prefer(high, marketingOk('SMS'));
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await contact(high, 'SMS')).allowed);
    expect(answers).toEqual([true, true, true, true, true, false]);

    // the customer's own cap overrides the tier's
    await prefer(basic, { frequencyCap: { maxContacts: 3, perDays: 7 } });
    expect(await check(basic, 'SMS', 'MARKETING')).toEqual(allowed);

    const settings = (await data(t.url, t.adminKey, op.SetContactCaps({ input: { mediumValueContactCap: 4, contactCapDays: 14 } }))).updateWorkspaceSettings
      .settings;
    expect(settings).toEqual({ highValueContactCap: 6, mediumValueContactCap: 4, basicValueContactCap: 1, contactCapDays: 14 });
    expect(await check(medium, 'SMS', 'MARKETING')).toEqual(allowed);
    expect(codes(await post(t.url, t.adminKey, op.SetContactCaps({ input: { contactCapDays: 0 } })))).toEqual(['BAD_USER_INPUT']);
    await data(t.url, t.adminKey, op.SetContactCaps({ input: { mediumValueContactCap: 2, contactCapDays: 30 } }));
  });

  it('waits for quiet hours to end when the cap lifts inside them', async () => {
    clock.set('2026-06-01T14:30:00Z'); // 22:30 in Shanghai
    const id = await withPhone('capquiet');
    await prefer(id, { ...marketingOk('SMS'), quietHours: { start: '22:00', end: '08:00' } });
    await contact(id, 'SMS');
    clock.set('2026-06-01T15:00:00Z');
    expect(await check(id, 'SMS', 'MARKETING')).toEqual({
      allowed: false,
      blockedBy: ['QUIET_HOURS', 'FREQUENCY_CAP'],
      nextAllowedAt: '2026-07-02T00:00:00.000Z',
    });
    // by day, only the cap blocks, and it lifts in the quiet hours of 1 July
    expect(await check(id, 'SMS', 'MARKETING', '2026-06-02T04:00:00Z')).toEqual({
      allowed: false,
      blockedBy: ['FREQUENCY_CAP'],
      nextAllowedAt: '2026-07-02T00:00:00.000Z',
    });
  });

  it('answers ERASED for an erased customer, and NOT_FOUND for an unknown or foreign one', async () => {
    const id = await withPhone('erased');
    await data(t.url, t.adminKey, op.EraseCustomer({ id }));
    expect(await contact(id, 'SMS')).toEqual({ allowed: false, blockedBy: ['ERASED'], nextAllowedAt: null });
    expect(
      codes(await post(t.url, t.adminKey, op.RecordContact({ customerId: '00000000-0000-7000-8000-000000000000', channel: 'SMS', purpose: 'MARKETING' }))),
    ).toEqual(['NOT_FOUND']);
    const mine = await withPhone('foreign');
    const other = await t.addWorkspace('Other contactability');
    expect(codes(await post(t.url, other.adminKey, op.RecordContact({ customerId: mine, channel: 'SMS', purpose: 'MARKETING' })))).toEqual(['NOT_FOUND']);
  });

  it('recommends the channel this customer answers, then their preference, then the workspace’s best', async () => {
    clock.set('2026-08-01T04:00:00Z');
    const id = await withPhone('rec');
    expect((await data(t.url, t.adminKey, op.RecommendedChannel({ id, purpose: 'MARKETING' }))).customer.recommendedChannel).toBeNull();
    await prefer(id, { preferredChannels: ['SMS', 'EMAIL'] });
    expect((await data(t.url, t.adminKey, op.RecommendedChannel({ id, purpose: 'SERVICE' }))).customer.recommendedChannel).toBe('SMS');

    await contact(id, 'EMAIL', 'SERVICE');
    await contact(id, 'SMS', 'SERVICE');
    await track('rec@c.test', 'email_replied', { channel: 'EMAIL', occurredAt: '2026-08-02T10:00:00Z' });
    await track('rec@c.test', 'sms_replied', { channel: 'SMS', occurredAt: '2026-08-05T10:00:00Z' }); // too late to count
    expect((await data(t.url, t.adminKey, op.RecommendedChannel({ id, purpose: 'SERVICE' }))).customer.recommendedChannel).toBe('EMAIL');

    // a customer with no history and no preference gets the workspace's best
    const fresh = await withPhone('rec2');
    expect((await data(t.url, t.adminKey, op.RecommendedChannel({ id: fresh, purpose: 'SERVICE' }))).customer.recommendedChannel).toBe('EMAIL');
  });

  it('loads contactability for a page of customers in a bounded number of statements', async () => {
    const other = await t.addWorkspace('Audience');
    const events = Array.from({ length: 60 }, (_, i) => ({
      messageId: `aud-${i}`,
      kind: 'IDENTIFY',
      identifiers: [{ type: 'PHONE', value: `+86139${String(i).padStart(8, '0')}` }],
    }));
    await data(t.url, other.adminKey, op.Ingest({ events }));
    const page = async (first: number) => post(t.url, other.adminKey, op.SmsAudience({ first }));
    const [small, large] = [await page(5), await page(60)];
    expect(large.body.data.customers.edges).toHaveLength(60);
    expect(large.body.data.customers.edges.every((e: any) => e.node.contactability.blockedBy.join() === 'NO_CONSENT')).toBe(true);
    expect(sqlStatements(large)).toBe(sqlStatements(small));
  });
});
