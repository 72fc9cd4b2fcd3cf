import { randomUUID } from 'node:crypto';
import { Role } from '../../../src/graphql/enums';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('queue.graphql'), ...operations('ingest.graphql') };
let t: TestServer;
const [a1, a2, q1, q2] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const range = { from: '2026-05-01T00:00:00Z', to: '2026-05-03T00:00:00Z' };

/**
 * Four conversations in the range (and one before it), five survey answers:
 *   k1 c1 SMS      a1 q1  opened 05-01 01:00Z, reply +120 s, resolved +600 s, SLA met
 *   k2 c2 WEB_CHAT a1 q1  opened 05-01 02:00Z, reply +300 s, resolved +3600 s, transferred, SLA breached
 *   k3 c2 WEB_CHAT a2 q2  opened 05-02 01:00Z (c2 again within 7 days), still open, SLA running
 *   k4 c3 SMS      a2 q2  opened 05-02 20:00Z (05-03 in Shanghai), no agent reply, resolved +1800 s, reopened once, bot only
 */
async function fixture(workspaceId: string, key: string) {
  const customer = async (email: string) => (await data(t.url, key, op.Identify({ identifiers: [{ type: 'EMAIL', value: email }] }))).identify.id as string;
  const [c1, c2, c3] = [await customer('m1@m.test'), await customer('m2@m.test'), await customer('m3@m.test')];
  const conversation = async (
    c: string,
    channel: string,
    agent: string,
    queue: string,
    opened: string,
    replySeconds: number | null,
    resolveSeconds: number | null,
    extra: { sla?: boolean; breachedAt?: string; reopen?: number } = {},
  ) => {
    const id = randomUUID();
    const at = (seconds: number | null) => (seconds === null ? null : new Date(new Date(opened).getTime() + seconds * 1000));
    await t.sql(
      `insert into conversation (id, workspace_id, customer_id, channel, channels_used, status, priority, rank, queue_id, assignee_id, required_skills, assigned_at, first_response_at, resolved_at,
         first_response_sla, resolution_sla, sla_breached_at, reopen_count, created_at, updated_at)
       values (?, ?, ?, ?, array[?], ?, 'NORMAL', 2, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        workspaceId,
        c,
        channel,
        channel,
        resolveSeconds === null ? 'ASSIGNED' : 'RESOLVED',
        queue,
        agent,
        opened,
        at(replySeconds),
        at(resolveSeconds),
        extra.sla ? 'OK' : null,
        extra.sla ? 'OK' : null,
        extra.breachedAt ?? null,
        extra.reopen ?? 0,
        opened,
        opened,
      ],
    );
    return id;
  };
  const k1 = await conversation(c1, 'SMS', a1, q1, '2026-05-01T01:00:00Z', 120, 600, { sla: true });
  const k2 = await conversation(c2, 'WEB_CHAT', a1, q1, '2026-05-01T02:00:00Z', 300, 3600, { sla: true, breachedAt: '2026-05-01T02:30:00Z' });
  const k3 = await conversation(c2, 'WEB_CHAT', a2, q2, '2026-05-02T01:00:00Z', null, null, { sla: true });
  const k4 = await conversation(c3, 'SMS', a2, q2, '2026-05-02T20:00:00Z', null, 1800, { reopen: 1 });
  await conversation(c1, 'SMS', a1, q1, '2026-04-20T01:00:00Z', 10, 20);
  await t.sql(
    `insert into conversation_transfer (id, workspace_id, conversation_id, from_channel, to_channel, at) values (?, ?, ?, 'WEB_CHAT', 'WEB_CHAT', ?)`,
    [randomUUID(), workspaceId, k2, '2026-05-01T02:10:00Z'],
  );
  for (const [conversationId, customerId, author] of [
    [k1, c1, 'AGENT'],
    [k2, c2, 'AGENT'],
    [k4, c3, 'BOT'],
  ]) {
    await t.sql(
      `insert into message (id, workspace_id, conversation_id, customer_id, direction, channel, author, body, created_at) values (?, ?, ?, ?, 'OUTBOUND', 'SMS', ?, 'hi', now())`,
      [randomUUID(), workspaceId, conversationId, customerId, author],
    );
  }
  const survey = (c: string, conversationId: string | null, kind: string, score: number, channel: string | null, at: string) =>
    t.sql(`insert into survey_response (id, workspace_id, customer_id, conversation_id, kind, score, channel, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)`, [
      randomUUID(),
      workspaceId,
      c,
      conversationId,
      kind,
      score,
      channel,
      at,
    ]);
  await survey(c1, k1, 'CSAT', 5, null, '2026-05-01T02:00:00Z');
  await survey(c2, k2, 'CSAT', 2, null, '2026-05-01T04:00:00Z');
  await survey(c3, k4, 'NPS', 10, null, '2026-05-02T21:00:00Z');
  await survey(c1, null, 'NPS', 6, 'EMAIL', '2026-05-01T05:00:00Z');
  await survey(c2, k3, 'NPS', 9, null, '2026-05-02T02:00:00Z');
}

beforeAll(async () => {
  t = await startTestServer();
  await fixture(t.workspaceId, t.adminKey);
  const other = await t.addWorkspace('Metrics elsewhere');
  await fixture(other.workspaceId, other.adminKey);
});
afterAll(() => t.stop());

const metrics = async (groupBy: string, key = t.adminKey) =>
  (await data(t.url, key, op.ServiceMetrics({ range, groupBy }))).serviceMetrics as Record<string, unknown>[];
const empty = {
  avgFirstResponseSeconds: null,
  avgHandleSeconds: null,
  firstContactResolutionRate: null,
  resolutionRate: null,
  transferRate: null,
  repeatContactRate: null,
  slaAttainment: null,
  botResolutionRate: null,
};

describe('service metrics', () => {
  it('computes every figure for the whole range', async () => {
    expect(await metrics('NONE')).toEqual([
      {
        key: 'ALL',
        conversations: 4,
        avgFirstResponseSeconds: 210,
        avgHandleSeconds: 2000,
        firstContactResolutionRate: 0.3333,
        resolutionRate: 0.75,
        transferRate: 0.25,
        repeatContactRate: 0.25,
        slaAttainment: 0.5,
        csatAverage: 3.5,
        nps: 33.3333,
        surveyResponses: 5,
        botResolutionRate: 0.3333,
      },
    ]);
  });

  it('groups by channel, an unlinked answer under its own channel', async () => {
    expect(await metrics('CHANNEL')).toEqual([
      { ...empty, key: 'EMAIL', conversations: 0, csatAverage: null, nps: -100, surveyResponses: 1 },
      {
        key: 'SMS',
        conversations: 2,
        avgFirstResponseSeconds: 120,
        avgHandleSeconds: 1200,
        firstContactResolutionRate: 0.5,
        resolutionRate: 1,
        transferRate: 0,
        repeatContactRate: 0,
        slaAttainment: 1,
        csatAverage: 5,
        nps: 100,
        surveyResponses: 2,
        botResolutionRate: 0.5,
      },
      {
        key: 'WEB_CHAT',
        conversations: 2,
        avgFirstResponseSeconds: 300,
        avgHandleSeconds: 3600,
        firstContactResolutionRate: 0,
        resolutionRate: 0.5,
        transferRate: 0.5,
        repeatContactRate: 0.5,
        slaAttainment: 0,
        csatAverage: 2,
        nps: 100,
        surveyResponses: 2,
        botResolutionRate: 0,
      },
    ]);
  });

  it('groups by agent and by queue', async () => {
    const byAgent = await metrics('AGENT');
    expect(byAgent.find((row) => row.key === a1)).toEqual({
      key: a1,
      conversations: 2,
      avgFirstResponseSeconds: 210,
      avgHandleSeconds: 2100,
      firstContactResolutionRate: 0.5,
      resolutionRate: 1,
      transferRate: 0.5,
      repeatContactRate: 0.5,
      slaAttainment: 0.5,
      csatAverage: 3.5,
      nps: null,
      surveyResponses: 2,
      botResolutionRate: 0,
    });
    expect(byAgent.find((row) => row.key === a2)).toEqual({
      key: a2,
      conversations: 2,
      avgFirstResponseSeconds: null,
      avgHandleSeconds: 1800,
      firstContactResolutionRate: 0,
      resolutionRate: 0.5,
      transferRate: 0,
      repeatContactRate: 0,
      slaAttainment: null,
      csatAverage: null,
      nps: 100,
      surveyResponses: 2,
      botResolutionRate: 1,
    });
    expect(byAgent.find((row) => row.key === 'UNASSIGNED')).toMatchObject({ conversations: 0, nps: -100, surveyResponses: 1 });
    const byQueue = await metrics('QUEUE');
    expect(byQueue.map((row) => [row.key, row.conversations])).toEqual(
      expect.arrayContaining([
        [q1, 2],
        [q2, 2],
        ['NONE', 0],
      ]),
    );
  });

  it('groups by day in the workspace time zone', async () => {
    const byDay = await metrics('DAY');
    expect(byDay.map((row) => [row.key, row.conversations, row.nps, row.csatAverage, row.surveyResponses])).toEqual([
      ['2026-05-01', 2, -100, 3.5, 3],
      ['2026-05-02', 1, 100, null, 1],
      ['2026-05-03', 1, 100, null, 1],
    ]);
    expect(byDay[1]).toMatchObject({ resolutionRate: 0, firstContactResolutionRate: null, slaAttainment: null });
  });

  it('refuses a backwards or overlong range, and is for the roles that read metrics', async () => {
    expect(codes(await post(t.url, t.adminKey, op.ServiceMetrics({ range: { from: range.to, to: range.from }, groupBy: 'NONE' })))).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(await post(t.url, t.adminKey, op.ServiceMetrics({ range: { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, groupBy: 'NONE' }))),
    ).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, await t.addKey(Role.INGEST), op.ServiceMetrics({ range, groupBy: 'NONE' })))).toEqual(['FORBIDDEN']);
    expect((await metrics('NONE', await t.addKey(Role.ANALYST)))[0].conversations).toBe(4);
  });
});
