import { Role } from '../../../src/graphql/enums';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('feedback.graphql'), ...operations('ingest.graphql') };
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const buyer = async () => {
  const email = `sv${++n}@s.test`;
  await data(
    t.url,
    t.adminKey,
    op.Ingest({
      events: [
        {
          messageId: `sv-${n}`,
          kind: 'TRACK',
          event: 'order_completed',
          revenue: 80,
          identifiers: [{ type: 'EMAIL', value: email }],
          occurredAt: new Date(Date.now() - 60_000).toISOString(),
        },
      ],
    }),
  );
  return { email, id: (await data(t.url, t.adminKey, op.Identify({ identifiers: [{ type: 'EMAIL', value: email }] }))).identify.id as string };
};
const submit = (input: Record<string, unknown>, key = t.adminKey) => post(t.url, key, op.SubmitSurvey({ input }));

describe('surveys', () => {
  it('refuses scores out of range for each kind, writing nothing', async () => {
    const { id } = await buyer();
    for (const [kind, bad] of [
      ['CSAT', 0],
      ['CSAT', 6],
      ['NPS', -1],
      ['NPS', 11],
      ['CES', 0],
      ['CES', 8],
    ] as const) {
      const response = await submit({ customerId: id, kind, score: bad });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors[0].extensions.field).toBe('score');
    }
    expect(codes(await submit({ kind: 'CSAT', score: 5 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await submit({ customerId: id, identifiers: [{ type: 'EMAIL', value: 'x@s.test' }], kind: 'CSAT', score: 5 }))).toEqual(['BAD_USER_INPUT']);
    expect((await data(t.url, t.adminKey, op.CustomerSurveys({ id }))).customer.surveyResponses.edges).toEqual([]);
  });

  it('records promoters quietly, by customer id or by identifiers', async () => {
    const { id, email } = await buyer();
    const byId = (await submit({ customerId: id, kind: 'NPS', score: 9, comment: '很好', channel: 'WECHAT' })).body.data.submitSurvey;
    expect(byId).toMatchObject({ kind: 'NPS', score: 9, comment: '很好', channel: 'WECHAT', customer: { id, lifecycleStage: 'NEW', tags: [] } });
    const widget = await t.addKey(Role.INGEST);
    const byIdentifiers = (
      await data(t.url, widget, op.SubmitSurveyFromWidget({ input: { identifiers: [{ type: 'EMAIL', value: email.toUpperCase() }], kind: 'CES', score: 2 } }))
    ).submitSurvey;
    expect(byIdentifiers).toMatchObject({ kind: 'CES', score: 2, customer: { id } });
    // an INGEST key reads back what it wrote, not the customer's profile
    const profile = await submit({ identifiers: [{ type: 'EMAIL', value: email }], kind: 'CES', score: 3 }, widget);
    // (the first non-null field refused nulls the answer; graphql-js reports that one)
    expect(codes(profile)).toEqual(['FORBIDDEN']);
    expect(profile.body.errors![0].path!.join('.')).toMatch(/^submitSurvey\.customer\.(lifecycleStage|tags)$/);
    expect(profile.body.data).toBeNull();
    const fresh = (await submit({ identifiers: [{ type: 'PHONE', value: '13800001111' }], kind: 'CSAT', score: 4 })).body.data.submitSurvey;
    expect(fresh.customer.id).not.toBe(id);
    const { customer } = await data(t.url, t.adminKey, op.CustomerSurveys({ id }));
    expect(customer.surveyResponses.edges.map((e: any) => e.node.kind)).toEqual(['CES', 'CES', 'NPS']);
    expect(customer.feedbackItems.totalCount).toBe(0);
  });

  it.each([
    ['NPS', 6, 'GENERAL'],
    ['NPS', 2, 'COMPLEX'],
    ['CSAT', 2, 'GENERAL'],
    ['CSAT', 1, 'COMPLEX'],
  ])('treats %s %i as a detractor: a %s complaint linked to the answer, complaint-risk, AT_RISK', async (kind, score, severity) => {
    const { id } = await buyer();
    const answer = (await submit({ customerId: id, kind, score, comment: 'Waited a week' })).body.data.submitSurvey;
    expect(answer.customer).toMatchObject({ lifecycleStage: 'AT_RISK', tags: ['complaint-risk'] });
    const { customer } = await data(t.url, t.adminKey, op.CustomerSurveys({ id }));
    expect(customer.feedbackItems.edges).toEqual([
      {
        node: { id: expect.any(String), category: 'COMPLAINT', severity, summary: `${kind} ${score}: Waited a week`, surveyResponse: { id: answer.id, score } },
      },
    ]);
  });

  it('does not treat CES, NPS 7 or CSAT 3 as detractors', async () => {
    const { id } = await buyer();
    for (const [kind, score] of [
      ['CES', 7],
      ['NPS', 7],
      ['CSAT', 3],
    ] as const)
      await submit({ customerId: id, kind, score });
    const { customer } = await data(t.url, t.adminKey, op.CustomerSurveys({ id }));
    expect(customer.feedbackItems.totalCount).toBe(0);
    expect(customer.surveyResponses.edges).toHaveLength(3);
  });

  it('keeps answers to their workspace and roles', async () => {
    const { id } = await buyer();
    const other = await t.addWorkspace('Other surveys');
    expect(codes(await submit({ customerId: id, kind: 'CSAT', score: 5 }, other.adminKey))).toEqual(['NOT_FOUND']);
    expect(codes(await submit({ customerId: id, kind: 'CSAT', score: 5 }, await t.addKey(Role.MARKETER)))).toEqual(['FORBIDDEN']);
    expect((await data(t.url, other.adminKey, op.CustomerSurveys({ id }))).customer).toBeNull();
  });
});
