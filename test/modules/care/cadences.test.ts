import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = {
  ...operations('care.graphql'),
  ...operations('queue.graphql'),
  ...operations('conversation.graphql'),
  ...operations('segment.graphql'),
};
const T0 = '2026-03-02T01:00:00.000Z'; // 09:00 in Shanghai
const clock = new TestClock(T0);
const DAY = 86_400_000;
const day = (n: number, hours = 0) => new Date(Date.parse(T0) + n * DAY + hours * 3_600_000).toISOString();
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clock });
});
afterAll(() => t.stop());

async function customer(email: string, revenue: number): Promise<string> {
  const result = await t.ingest([
    { messageId: `cadence-${email}`, kind: 'TRACK', event: 'order_completed', revenue, identifiers: [{ type: 'EMAIL', value: email }], occurredAt: T0 },
  ]);
  expect(result.errors).toEqual([]);
  const [{ id }] = await t.sql(`select customer_id id from identity where value = ?`, [email]);
  return id;
}

const due = async (variables: Record<string, unknown>, key = t.adminKey) => (await data(t.url, key, op.DueContacts(variables))).dueContacts;
const ids = (connection: any) => connection.edges.map((e: any) => e.node.id);

describe('contact cadences', () => {
  let owner: string;
  let high: string;
  let medium: string;
  let basic: string;

  beforeAll(async () => {
    owner = (await data(t.url, t.adminKey, op.CreateAgent({ input: { name: 'Adviser', skills: [], maxConcurrent: 3, dedicated: true } }))).createAgent.id;
    high = await customer('high@cadence.test', 150_000);
    medium = await customer('medium@cadence.test', 20_000);
    basic = await customer('basic@cadence.test', 100);
  });

  it("default to the plans' figures, and a change to one tier keeps the others", async () => {
    const settings = (await data(t.url, t.adminKey, op.CareSettings({ input: { careTaskNoticeHours: 1 } }))).updateWorkspaceSettings.settings;
    expect(settings.contactCadences).toEqual([
      { valueTier: 'HIGH', dedicatedEveryDays: 30, onlineEveryDays: 7 },
      { valueTier: 'MEDIUM', dedicatedEveryDays: null, onlineEveryDays: 14 },
      { valueTier: 'BASIC', dedicatedEveryDays: null, onlineEveryDays: 30 },
    ]);
    const refused = await post(t.url, t.adminKey, op.CareSettings({ input: { contactCadences: [{ valueTier: 'BASIC', onlineEveryDays: 0 }] } }));
    expect(refused.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'WORKSPACE_SETTING_INVALID', field: 'contactCadences' });
  });

  it('lists who is due, oldest due first, for the workspace and for an owner, in pages', async () => {
    const all = await due({ before: day(31) });
    expect(ids(all)).toEqual([high, medium, basic]);
    expect(all.edges.map((e: any) => e.node.nextContactDueAt)).toEqual([day(7), day(14), day(30)]);
    expect(all.totalCount).toBe(3);
    expect(ids(await due({ before: day(10) }))).toEqual([high]);
    expect(ids(await due({}))).toEqual([]);
    const page = await due({ before: day(31), first: 2 });
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(ids(await due({ before: day(31), after: page.pageInfo.endCursor }))).toEqual([basic]);
    // the HIGH customer got the dedicated adviser as owner
    expect(ids(await due({ before: day(31), ownerId: owner }))).toEqual([high]);
    expect(codes(await post(t.url, t.adminKey, op.DueContacts({ ownerId: '01a24d28-0e2b-7349-8ab6-83c10526e060' })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, await t.addKey(Role.INGEST), op.DueContacts({})))).toEqual(['FORBIDDEN']);
    const other = await t.addWorkspace('Cadence elsewhere');
    expect((await due({ before: day(400) }, other.adminKey)).totalCount).toBe(0);
  });

  it("counts every contact; the owner's call makes it a dedicated one; an agent's message counts too", async () => {
    clock.set(day(1));
    await data(t.url, t.adminKey, op.RecordCareContact({ customerId: high, channel: 'WECHAT', purpose: 'SERVICE' }));
    let [node] = (await due({ before: day(31), ownerId: owner })).edges.map((e: any) => e.node);
    expect(node).toMatchObject({ lastContactAt: day(1), nextContactDueAt: day(8), dueContact: { dueAt: day(8), dedicated: false } });

    clock.set(day(20));
    await data(t.url, t.adminKey, op.RecordCareContact({ customerId: high, channel: 'PHONE', purpose: 'SERVICE', agentId: owner }));
    [node] = (await due({ before: day(60), ownerId: owner })).edges.map((e: any) => e.node);
    expect(node).toMatchObject({ lastContactAt: day(20), nextContactDueAt: day(27) });
    const [stored] = await t.sql(`select last_dedicated_contact_at from customer where id = ?`, [high]);
    expect(new Date(stored.last_dedicated_contact_at).toISOString()).toBe(day(20));

    const conversation = (await data(t.url, t.adminKey, op.OpenConversation({ input: { customerId: medium, channel: 'WECHAT', body: '在吗' } })))
      .openConversation;
    await data(t.url, t.adminKey, op.AssignConversation({ conversationId: conversation.id, agentId: owner }));
    await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId: conversation.id, direction: 'OUTBOUND', author: 'AGENT', body: '您好' } }));
    const [m] = await t.sql(`select last_contact_at, next_contact_due_at from customer where id = ?`, [medium]);
    expect([m.last_contact_at, m.next_contact_due_at].map((at) => new Date(at).toISOString())).toEqual([day(20), day(34)]);
  });

  it('never recommends a due contact for a time it may not happen: quiet hours move it to when they end', async () => {
    clock.set(day(30, 7)); // 16:00 in Shanghai, the BASIC customer due since 09:00
    await data(t.url, t.adminKey, {
      query: `mutation($id: ID!) { setPreferences(customerId: $id, input: { quietHours: { start: "15:00", end: "20:00" } }) { preferredChannels } }`,
      variables: { id: basic },
    });
    const [node] = (await due({})).edges.map((e: any) => e.node).filter((n: any) => n.id === basic);
    expect(node.dueContact).toMatchObject({
      dueAt: day(30),
      dedicated: false,
      channel: 'EMAIL',
      contactability: { allowed: false, blockedBy: ['QUIET_HOURS'] },
      recommendedAt: day(30, 11), // 20:00 in Shanghai
    });
    expect(node.dueContact.contactability.nextAllowedAt).toBe(day(30, 11));
  });

  it('follows a cadence changed in the settings, for every customer, in the background', async () => {
    await data(t.url, t.adminKey, op.CareSettings({ input: { contactCadences: [{ valueTier: 'BASIC', onlineEveryDays: 10 }] } }));
    await t.server.jobs.runNow('lifecycle_reevaluate', { workspaceId: t.workspaceId });
    const [b] = await t.sql(`select next_contact_due_at from customer where id = ?`, [basic]);
    expect(new Date(b.next_contact_due_at).toISOString()).toBe(day(10));
    await data(t.url, t.adminKey, op.CareSettings({ input: { contactCadences: [{ valueTier: 'BASIC' }] } }));
    await t.server.jobs.runNow('lifecycle_reevaluate', { workspaceId: t.workspaceId });
    const [none] = await t.sql(`select next_contact_due_at from customer where id = ?`, [basic]);
    expect(none.next_contact_due_at).toBeNull();
  });

  it('segments select by contact recency', async () => {
    const preview = async (contacted: boolean) =>
      (await data(t.url, t.adminKey, op.PreviewSegment({ rule: { contact: { within: { days: 14 }, contacted } }, limit: 10 }))).previewSegment;
    const recent = await preview(true);
    expect(recent.sample.map((c: { id: string }) => c.id).sort()).toEqual([high, medium].sort());
    const silent = await preview(false);
    expect(silent.sample.map((c: { id: string }) => c.id)).toContain(basic);
    expect(silent.sample.map((c: { id: string }) => c.id)).not.toContain(high);
    const bad = await post(t.url, t.adminKey, op.PreviewSegment({ rule: { contact: { within: { days: 0 }, contacted: true } } }));
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
  });
});
