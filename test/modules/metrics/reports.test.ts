import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { data } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = {
  ...operations('dashboard.graphql'),
  ...operations('conversation.graphql'),
  ...operations('experiment.graphql'),
  ...operations('template.graphql'),
};
const clock = new TestClock('2026-06-03T04:00:00Z'); // a Wednesday
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clock });
  await t.ingest([
    {
      messageId: 'r-1',
      kind: 'TRACK',
      event: 'order_completed',
      revenue: 120,
      identifiers: [{ type: 'EMAIL', value: 'r1@report.test' }],
      occurredAt: '2026-06-03T03:00:00Z',
    },
  ]);
  await data(t.url, t.adminKey, op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: 'r2@report.test' }], channel: 'EMAIL', body: '你好' } }));
  const templateIds = await Promise.all(
    ['A', 'B'].map(
      async (key) =>
        (await data(t.url, t.adminKey, op.CreateReplyTemplate({ input: { name: `r-${key}`, channel: 'SMS', scene: 'MARKETING', body: key } })))
          .createReplyTemplate.id,
    ),
  );
  const input = {
    name: 'Wording',
    scene: 'MARKETING',
    channel: 'SMS',
    conversionEvent: 'order_completed',
    windowDays: 7,
    variants: templateIds.map((templateId, i) => ({ key: 'AB'[i], weight: 1, templateId })),
  };
  const { id } = (await data(t.url, t.adminKey, op.CreateExperiment({ input }))).createExperiment;
  await data(t.url, t.adminKey, op.StartExperiment({ id }));
});
afterAll(() => t.stop());

const get = async (path: string, key?: string) => {
  const response = await fetch(`${t.baseUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};
const rows = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .map((line) => line.split(','));

describe('reports as CSV', () => {
  const range = 'from=2026-06-01T00:00:00Z&to=2026-06-08T00:00:00Z';

  it('streams service and business metrics and experiment results to ADMIN, MARKETER and ANALYST keys', async () => {
    const analyst = await t.addKey(Role.ANALYST);
    const service = await get(`/reports/service-metrics.csv?${range}&groupBy=CHANNEL`, analyst);
    expect(service.status).toBe(200);
    expect(service.type).toMatch(/^text\/csv/);
    const [header, email] = rows(service.text);
    expect(header.slice(0, 2)).toEqual(['key', 'conversations']);
    expect(header).toContain('empathetic');
    expect(email.slice(0, 2)).toEqual(['EMAIL', '1']);

    const business = rows((await get(`/reports/business-metrics.csv?${range}`, await t.addKey(Role.MARKETER))).text);
    const figures = Object.fromEntries(business[0].map((column, i) => [column, business[1][i]]));
    expect(figures).toMatchObject({ active: '2', new_customers: '2', revenue: '120' });

    const experiments = rows((await get('/reports/experiments.csv', t.adminKey)).text);
    expect(experiments[0].slice(0, 5)).toEqual(['experiment_id', 'experiment', 'status', 'variant', 'exposures']);
    expect(experiments.slice(1).map((row) => [row[1], row[2], row[3], row[4]])).toEqual([
      ['Wording', 'RUNNING', 'A', '0'],
      ['Wording', 'RUNNING', 'B', '0'],
    ]);
  });

  it('refuses other roles, no key, and a bad range, with a clear error', async () => {
    expect((await get(`/reports/service-metrics.csv?${range}`, await t.addKey(Role.AGENT))).status).toBe(403);
    expect((await get(`/reports/business-metrics.csv?${range}`, await t.addKey(Role.INGEST))).status).toBe(403);
    expect((await get(`/reports/business-metrics.csv?${range}`)).status).toBe(401);
    const reversed = await get('/reports/business-metrics.csv?from=2026-06-08T00:00:00Z&to=2026-06-01T00:00:00Z', t.adminKey);
    expect(reversed.status).toBe(400);
    expect(JSON.parse(reversed.text).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'METRICS_RANGE_REVERSED' });
    expect(JSON.parse((await get('/reports/service-metrics.csv?from=x&to=y', t.adminKey)).text).errors[0].extensions.reason).toBe('METRICS_RANGE_MISSING');
    expect((await get(`/reports/service-metrics.csv?${range}&groupBy=MOON`, t.adminKey)).status).toBe(400);
    const other = await t.addWorkspace('Reports elsewhere');
    expect(rows((await get(`/reports/service-metrics.csv?${range}`, other.adminKey)).text)).toHaveLength(1);
  });
});

describe('the weekly report', () => {
  it("is made once, Monday 08:00 in the workspace's time zone, of the week before, and read back as a query and as CSV", async () => {
    clock.set('2026-06-07T23:30:00Z'); // Monday 07:30 in Shanghai
    await t.server.jobs.runNow('weekly_report');
    expect((await data(t.url, t.adminKey, op.WeeklyReports())).reports).toEqual([]);
    clock.set('2026-06-08T00:30:00Z'); // 08:30
    await t.server.jobs.runNow('weekly_report');
    await t.server.jobs.runNow('weekly_report');
    const reports = (await data(t.url, await t.addKey(Role.ANALYST), op.WeeklyReports())).reports;
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      weekStart: '2026-06-01',
      from: '2026-05-31T16:00:00.000Z',
      to: '2026-06-07T16:00:00.000Z',
      service: { conversations: 1 },
      business: { activeCustomers: 2, revenue: 120 },
      experiments: [
        {
          name: 'Wording',
          results: {
            pValue: null,
            variants: [
              { key: 'A', exposures: 0 },
              { key: 'B', exposures: 0 },
            ],
          },
        },
      ],
    });
    const csv = rows((await get('/reports/weekly.csv', t.adminKey)).text);
    expect(csv).toHaveLength(2);
    expect(csv[1][0]).toBe('2026-06-01');
    const other = await t.addWorkspace('Weekly elsewhere');
    expect((await data(t.url, other.adminKey, op.WeeklyReports())).reports).toHaveLength(0);
  });
});
