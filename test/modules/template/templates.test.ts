import { Role } from '../../../src/graphql/enums';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('template.graphql'), ...operations('ingest.graphql'), ...operations('preference.graphql') };
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const template = async (input: Record<string, unknown>, key = t.adminKey) => (await data(t.url, key, op.CreateReplyTemplate({ input }))).createReplyTemplate;
const render = async (templateId: string, customerId: string) => (await data(t.url, t.adminKey, op.RenderTemplate({ templateId, customerId }))).renderTemplate;
const customer = async (traits: Record<string, unknown>, revenue?: number) => {
  const email = `tpl${++n}@t.test`;
  const identifiers = [
    { type: 'EMAIL', value: email },
    { type: 'PHONE', value: `+86136${String(n).padStart(8, '0')}` },
  ];
  await data(
    t.url,
    t.adminKey,
    op.Ingest({
      events: [{ messageId: `tpl-${n}`, kind: revenue ? 'TRACK' : 'IDENTIFY', event: revenue ? 'order_completed' : undefined, revenue, identifiers, traits }],
    }),
  );
  return (await data(t.url, t.adminKey, op.Identify({ identifiers: [{ type: 'EMAIL', value: email }] }))).identify.id as string;
};

describe('reply templates', () => {
  it('fills placeholders as plain text, lists the missing ones and uses fallbacks', async () => {
    const sms = await template({
      name: 'member day',
      channel: 'SMS',
      scene: 'MARKETING',
      body: '{{customer.displayName}}您好，{{ traits.city }}门店会员日，{{traits.coupon|满200减20}}。您是{{customer.valueTier}}会员。',
    });
    const li = await customer({ name: '李雷', city: '上海' });
    expect(await render(sms.id, li)).toEqual({
      text: '李雷您好，上海门店会员日，满200减20。您是BASIC会员。',
      missing: [],
      fits: true,
      length: 31,
      limit: 70,
      template: { id: sms.id, name: 'member day' },
    });
    const anonymous = await customer({});
    const rendered = await render(sms.id, anonymous);
    expect(rendered.missing).toEqual(['traits.city']);
    expect(rendered.text).toMatch(/^tpl\d+@t\.test您好，门店会员日/);
  });

  it('never evaluates or escapes a value, nor expands a value that looks like a placeholder', async () => {
    const email = await template({
      name: 'raw',
      channel: 'EMAIL',
      scene: 'ENQUIRY',
      body: 'Hi {{traits.nick}}, {{traits.note}} {{traits.prefs.colour}} {{traits.constructor}}',
    });
    const id = await customer({ nick: '<b>Tom</b> & "Jerry"', note: '{{customer.valueTier}} ${process.exit()}', prefs: { colour: 'blue' } });
    const rendered = await render(email.id, id);
    expect(rendered.text).toBe('Hi <b>Tom</b> & "Jerry", {{customer.valueTier}} ${process.exit()} blue ');
    expect(rendered.missing).toEqual(['traits.constructor']);
    expect(rendered).toMatchObject({ fits: true, limit: null });
  });

  it('counts SMS length as the network does: 70 of Chinese text, 160 of GSM text', async () => {
    const id = await customer({});
    const cases: [string, boolean, number, number][] = [
      ['好'.repeat(70), true, 70, 70],
      ['好'.repeat(71), false, 71, 70],
      ['a'.repeat(160), true, 160, 160],
      ['a'.repeat(159) + '€', false, 161, 160],
      ['a'.repeat(100) + '好', false, 101, 70],
    ];
    for (const [body, fits, length, limit] of cases) {
      const sms = await template({ name: `len ${length} ${limit} ${fits}`, channel: 'SMS', scene: 'ENQUIRY', body });
      expect(await render(sms.id, id)).toMatchObject({ fits, length, limit });
    }
  });

  it('recommends templates aimed at the customer, on channels open to them now, aimed ones first', async () => {
    // the WeChat one needs a WeChat id, the CHURNED one a churned customer
    const [vip, general, email] = await Promise.all([
      template({ name: 'vip sms', channel: 'SMS', scene: 'WIN_BACK', body: '尊敬的{{customer.displayName}}', valueTiers: ['HIGH'] }),
      template({ name: 'general sms', channel: 'SMS', scene: 'WIN_BACK', body: '好久不见' }),
      template({ name: 'general email', channel: 'EMAIL', scene: 'WIN_BACK', body: 'We miss you' }),
      template({ name: 'wechat', channel: 'WECHAT', scene: 'WIN_BACK', body: '好久不见' }),
      template({ name: 'churned sms', channel: 'SMS', scene: 'WIN_BACK', body: '回来吧', lifecycleStages: ['CHURNED'] }),
    ]);
    const high = await customer({ name: 'VIP' }, 150_000);
    const recommend = async (customerId: string, scene = 'WIN_BACK', channel?: string) =>
      (await data(t.url, t.adminKey, op.RecommendedTemplates({ customerId, scene, channel }))).recommendedTemplates.map((x: any) => x.id);

    expect(await recommend(high)).toEqual([]); // WIN_BACK is marketing: no consent yet
    await data(
      t.url,
      t.adminKey,
      op.SetPreferences({
        customerId: high,
        input: {
          preferredChannels: ['EMAIL', 'SMS'],
          consents: ['SMS', 'EMAIL', 'WECHAT'].map((channel) => ({ channel, purpose: 'MARKETING', granted: true })),
        },
      }),
    );
    expect(await recommend(high)).toEqual([vip.id, email.id, general.id]);
    expect(await recommend(high, 'WIN_BACK', 'SMS')).toEqual([vip.id, general.id]);

    const basic = await customer({ name: 'Basic' });
    await data(t.url, t.adminKey, op.SetPreferences({ customerId: basic, input: { consents: [{ channel: 'SMS', purpose: 'MARKETING', granted: true }] } }));
    expect(await recommend(basic)).toEqual([general.id]);
    // service scenes need no marketing consent
    const greeting = await template({ name: 'greeting', channel: 'EMAIL', scene: 'ENQUIRY', body: '您好' });
    expect(await recommend(basic, 'ENQUIRY', 'EMAIL')).toContain(greeting.id);
  });

  it('refuses bad templates, duplicates and foreign ones with clear codes', async () => {
    const bad = await post(
      t.url,
      t.adminKey,
      op.CreateReplyTemplate({ input: { name: 'bad', channel: 'SMS', scene: 'ENQUIRY', body: 'hi {{customer.password}} {{order.id}}' } }),
    );
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.body.errors[0].message).toContain('customer.password, order.id');
    await template({ name: 'once', channel: 'SMS', scene: 'ENQUIRY', body: 'x' });
    expect(codes(await post(t.url, t.adminKey, op.CreateReplyTemplate({ input: { name: 'once', channel: 'EMAIL', scene: 'ENQUIRY', body: 'y' } })))).toEqual([
      'CONFLICT',
    ]);
    expect(
      codes(await post(t.url, await t.addKey(Role.ANALYST), op.CreateReplyTemplate({ input: { name: 'z', channel: 'SMS', scene: 'ENQUIRY', body: 'z' } }))),
    ).toEqual(['FORBIDDEN']);
    expect(await template({ name: 'by marketer', channel: 'SMS', scene: 'MARKETING', body: 'z' }, await t.addKey(Role.MARKETER))).toMatchObject({
      name: 'by marketer',
    });

    const mine = await template({ name: 'mine', channel: 'SMS', scene: 'ENQUIRY', body: 'x' });
    const someone = await customer({});
    const other = await t.addWorkspace('Other templates');
    expect((await data(t.url, other.adminKey, op.ReplyTemplates({}))).replyTemplates).toEqual([]);
    expect(codes(await post(t.url, other.adminKey, op.RenderTemplate({ templateId: mine.id, customerId: someone })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, other.adminKey, op.DeleteReplyTemplate({ id: mine.id })))).toEqual(['NOT_FOUND']);
    expect((await data(t.url, t.adminKey, op.ReplyTemplates({ scene: 'ENQUIRY', channel: 'SMS' }))).replyTemplates.map((x: any) => x.name)).toContain('mine');
    expect((await data(t.url, t.adminKey, op.DeleteReplyTemplate({ id: mine.id }))).deleteReplyTemplate).toBe(true);
    expect((await data(t.url, t.adminKey, op.ReplyTemplates({ scene: 'ENQUIRY' }))).replyTemplates.map((x: any) => x.name)).not.toContain('mine');
  });
});
