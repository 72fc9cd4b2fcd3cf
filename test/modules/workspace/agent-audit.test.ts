import { codes, collect, data, post, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';
import { sqlStatements } from '../../support/sql-count';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql'), ...operations('ingest.graphql'), ...operations('workspace.graphql') };
const NOWHERE = '00000000-0000-7000-8000-000000000000';

interface Entry {
  id: string;
  action: string;
  actorKeyId: string | null;
  subjectType: string;
  subjectId: string;
  details: Record<string, unknown> | null;
}

let t: TestServer;
let adminKeyId: string;
const keys: Record<'agent' | 'ingest', { id: string; secret: string }> = {} as never;
let queueId: string;
let agents: [string, string];
let feed: ReturnType<typeof collect>;
let client: ReturnType<typeof wsClient>;
/** Feed events already looked at by an earlier expectation. */
let seen = 0;
let n = 0;
const messageId = () => `audit-${++n}`;

beforeAll(async () => {
  t = await startTestServer();
  adminKeyId = (await data(t.url, t.adminKey, op.ApiKeys())).apiKeys[0].id;
  for (const [name, role] of [
    ['agent', 'AGENT'],
    ['ingest', 'INGEST'],
  ] as const) {
    const { createApiKey } = await data(t.url, t.adminKey, op.CreateApiKey({ name, role }));
    keys[name] = { id: createApiKey.apiKey.id, secret: createApiKey.secret };
  }
  queueId = (await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'Audited', channels: ['WEB_CHAT', 'SMS'] } }))).createQueue.id;
  const agent = async (name: string) =>
    (await data(t.url, t.adminKey, op.CreateAgent({ input: { name, skills: [], maxConcurrent: 5, queueIds: [queueId] } }))).createAgent.id;
  agents = [await agent('Agent one'), await agent('Agent two')];
  for (const agentId of agents) await data(t.url, t.adminKey, op.SetAgentStatus({ agentId, status: 'ONLINE' }));
  // live once the server holds the subscription: nothing published from then on is missed
  const live = t.server.bus.fanout.nextSubscriber('AUDIT_ENTRY_ADDED');
  client = wsClient(t.wsUrl, t.adminKey);
  feed = collect(client, op.AuditEntryAdded());
  await live;
});
afterAll(async () => {
  await client?.dispose();
  await t?.stop();
});

const entriesOf = async (subjectId: string): Promise<Entry[]> =>
  (await data(t.url, t.adminKey, op.AuditLog({ subjectId, first: 100 }))).auditLog.edges.map((edge: { node: Entry }) => edge.node);
const newestEntry = async (): Promise<string | undefined> => (await data(t.url, t.adminKey, op.AuditLog({ first: 1 }))).auditLog.edges[0]?.node.id;

/** The next `count` entries published on the feed, in order. */
async function published(count: number): Promise<{ id: string; action: string; subjectId: string }[]> {
  await feed.waitFor(seen + count);
  const next = feed.events.slice(seen, seen + count).map((event) => event.data?.auditEntryAdded);
  seen += count;
  return next;
}

const open = async (email: string) =>
  (
    await data(
      t.url,
      t.adminKey,
      op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: email }], channel: 'WEB_CHAT', body: 'hello', queueId } }),
    )
  ).openConversation;

describe('agent actions on conversations', () => {
  it('write one entry each with the acting key, readable in the audit log and published live, never with message bodies or notes', async () => {
    const c = await open('audited@example.com');
    // opening and routing are not an agent's action: nothing is audited for them
    expect(await entriesOf(c.id)).toEqual([]);
    const first = c.assignee.id as string;
    const second = agents.find((agentId) => agentId !== first)!;
    const as = (key: string, operation: { query: string; variables?: Record<string, unknown> }) => data(t.url, key, operation);

    await as(keys.agent.secret, op.AssignConversation({ conversationId: c.id, agentId: second }));
    const reply = (
      await as(keys.agent.secret, op.PostMessage({ input: { conversationId: c.id, body: 'secret reply text', direction: 'OUTBOUND', author: 'AGENT' } }))
    ).postMessage;
    const inbound = (
      await as(
        keys.ingest.secret,
        op.PostMessageFromWidget({ input: { conversationId: c.id, body: 'secret customer text', direction: 'INBOUND', author: 'CUSTOMER' } }),
      )
    ).postMessage;
    await as(
      keys.agent.secret,
      op.TransferConversation({ input: { conversationId: c.id, toAgentId: first, toChannel: 'SMS', note: 'call her on 13800138000' } }),
    );
    await as(keys.agent.secret, op.ResolveConversation({ conversationId: c.id, note: 'secret resolution note' }));
    const reopened = (await as(t.adminKey, op.ReopenConversation({ conversationId: c.id }))).reopenConversation;
    await as(keys.agent.secret, op.ResolveConversation({ conversationId: c.id }));
    await as(keys.agent.secret, op.CloseConversation({ conversationId: c.id }));

    const entries = (await entriesOf(c.id)).reverse();
    expect(entries.map(({ action, actorKeyId, subjectType, subjectId }) => ({ action, actorKeyId, subjectType, subjectId }))).toEqual(
      [
        ['conversation.assigned', keys.agent.id],
        ['conversation.message_posted', keys.agent.id],
        ['conversation.message_posted', keys.ingest.id],
        ['conversation.transferred', keys.agent.id],
        ['conversation.resolved', keys.agent.id],
        ['conversation.reopened', adminKeyId],
        ['conversation.resolved', keys.agent.id],
        ['conversation.closed', keys.agent.id],
      ].map(([action, actorKeyId]) => ({ action, actorKeyId, subjectType: 'Conversation', subjectId: c.id })),
    );
    const [transfer] = await t.sql<{ id: string }>(`select id from conversation_transfer where conversation_id = ?`, [c.id]);
    expect(entries.map((entry) => entry.details)).toEqual([
      { agentId: second, previousAgentId: first, queueId },
      { messageId: reply.id, direction: 'OUTBOUND', author: 'AGENT', agentId: second, channel: 'WEB_CHAT' },
      { messageId: inbound.id, direction: 'INBOUND', author: 'CUSTOMER', agentId: null, channel: 'WEB_CHAT' },
      { transferId: transfer.id, fromQueueId: queueId, toQueueId: queueId, fromAgentId: second, toAgentId: first, fromChannel: 'WEB_CHAT', toChannel: 'SMS' },
      { from: 'ASSIGNED', assigneeId: first, queueId, withNote: true },
      { from: 'RESOLVED', queueId },
      { from: reopened.status, assigneeId: reopened.assignee?.id ?? null, queueId, withNote: false },
      { from: 'RESOLVED' },
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/secret|13800138000/);

    const live = await published(entries.length);
    expect(live).toEqual(entries.map(({ id, action, subjectId }) => ({ id, action, subjectType: 'Conversation', subjectId })));
  });

  it('write and publish nothing when the action fails', async () => {
    const c = await open('refused@example.com');
    const before = await newestEntry();
    const refused = async (key: string, operation: { query: string; variables?: Record<string, unknown> }) => codes(await post(t.url, key, operation));
    expect(await refused(keys.agent.secret, op.ResolveConversation({ conversationId: NOWHERE }))).toEqual(['NOT_FOUND']);
    expect(await refused(keys.agent.secret, op.ReopenConversation({ conversationId: c.id }))).toEqual(['BAD_USER_INPUT']);
    expect(await refused(keys.agent.secret, op.CloseConversation({ conversationId: c.id }))).toEqual(['BAD_USER_INPUT']);
    expect(await refused(keys.agent.secret, op.AssignConversation({ conversationId: c.id, agentId: NOWHERE }))).toEqual(['NOT_FOUND']);
    expect(await refused(keys.agent.secret, op.TransferConversation({ input: { conversationId: c.id, toQueueId: queueId } }))).toEqual(['BAD_USER_INPUT']);
    expect(await refused(keys.agent.secret, op.PostMessage({ input: { conversationId: c.id, body: '   ', direction: 'OUTBOUND', author: 'AGENT' } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await refused(keys.ingest.secret, op.PostMessage({ input: { conversationId: c.id, body: 'no', direction: 'OUTBOUND', author: 'AGENT' } }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(await refused(keys.ingest.secret, op.ResolveConversation({ conversationId: c.id }))).toEqual(['FORBIDDEN']);
    expect(await refused(t.adminKey, op.SetIdentityRule({ input: { type: 'EMAIL', maxPerCustomer: 0 } }))).toEqual(['BAD_USER_INPUT']);
    expect(await newestEntry()).toBe(before);
    expect(await entriesOf(c.id)).toEqual([]);

    // events arrive in order: had a failure published anything, it would come before this one
    await data(t.url, keys.agent.secret, op.ResolveConversation({ conversationId: c.id }));
    const [resolved] = await entriesOf(c.id);
    expect(await published(1)).toEqual([{ id: resolved.id, action: 'conversation.resolved', subjectType: 'Conversation', subjectId: c.id }]);
  });
});

describe('identity rules', () => {
  it('audit each change with the rule before and after', async () => {
    await data(t.url, t.adminKey, op.SetIdentityRule({ input: { type: 'ANONYMOUS_ID', blockedValues: ['shared-kiosk'] } }));
    await data(t.url, t.adminKey, op.SetIdentityRule({ input: { type: 'ANONYMOUS_ID', maxPerCustomer: 3, priority: 9 } }));
    const entries = (await entriesOf(t.workspaceId)).filter((entry) => entry.action === 'identity_rule.updated');
    expect(entries.map(({ actorKeyId, subjectType, details }) => ({ actorKeyId, subjectType, details }))).toEqual([
      {
        actorKeyId: adminKeyId,
        subjectType: 'Workspace',
        details: {
          type: 'ANONYMOUS_ID',
          before: { maxPerCustomer: null, priority: 8, blockedValues: ['shared-kiosk'] },
          after: { maxPerCustomer: 3, priority: 9, blockedValues: ['shared-kiosk'] },
        },
      },
      {
        actorKeyId: adminKeyId,
        subjectType: 'Workspace',
        details: {
          type: 'ANONYMOUS_ID',
          before: { maxPerCustomer: null, priority: 8, blockedValues: [] },
          after: { maxPerCustomer: null, priority: 8, blockedValues: ['shared-kiosk'] },
        },
      },
    ]);
    expect(await published(2)).toEqual(
      [...entries].reverse().map(({ id }) => ({ id, action: 'identity_rule.updated', subjectType: 'Workspace', subjectId: t.workspaceId })),
    );
  });
});

describe('automatic merges', () => {
  const ingest = async (events: unknown[], key = keys.ingest.secret) => post(t.url, key, op.Ingest({ events }));
  const ownerOf = async (type: string, value: string) =>
    (await t.sql<{ customer_id: string }>(`select customer_id from identity where type = ? and value = ?`, [type, value]))[0].customer_id;

  it('record a merge entry by the ingesting key, with ids and identifier types but no identifier values', async () => {
    await ingest([{ messageId: messageId(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'wang.fang@example.com' }] }]);
    await ingest([{ messageId: messageId(), kind: 'IDENTIFY', identifiers: [{ type: 'PHONE', value: '+8613911112222' }] }]);
    const [survivorId, absorbedId] = [await ownerOf('EMAIL', 'wang.fang@example.com'), await ownerOf('PHONE', '+8613911112222')];
    const merged = await ingest([
      {
        messageId: messageId(),
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'PHONE', value: '139 1111 2222' },
          { type: 'EMAIL', value: 'Wang.Fang@example.com' },
        ],
      },
    ]);
    expect(merged.body.data.ingest).toMatchObject({ merges: 1 });

    const [merge] = await t.sql<{ id: string; reason: string }>(`select id, reason from customer_merge where survivor_id = ? and absorbed_id = ?`, [
      survivorId,
      absorbedId,
    ]);
    expect(merge.reason).toContain('wang.fang@example.com');
    const entries = (await entriesOf(survivorId)).filter((entry) => entry.action === 'customer.merged');
    expect(entries).toEqual([
      {
        id: expect.any(String),
        at: expect.any(String),
        action: 'customer.merged',
        actorKeyId: keys.ingest.id,
        subjectType: 'Customer',
        subjectId: survivorId,
        details: { absorbedId, mergeId: merge.id, automatic: true, identifierTypes: ['EMAIL', 'PHONE'] },
      },
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/wang|fang|1391111|2222/i);
    expect(await published(1)).toEqual([{ id: entries[0].id, action: 'customer.merged', subjectType: 'Customer', subjectId: survivorId }]);
  });

  it('audit a merge made while opening a conversation, published once it commits', async () => {
    await ingest([{ messageId: messageId(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'open.merge@example.com' }] }]);
    await ingest([{ messageId: messageId(), kind: 'IDENTIFY', identifiers: [{ type: 'WECHAT_OPENID', value: 'o-open-merge' }] }]);
    const survivorId = await ownerOf('EMAIL', 'open.merge@example.com');
    const input = {
      identifiers: [
        { type: 'EMAIL', value: 'open.merge@example.com' },
        { type: 'WECHAT_OPENID', value: 'o-open-merge' },
      ],
      channel: 'WEB_CHAT',
      body: 'hi',
      queueId,
    };
    const c = (await data(t.url, keys.ingest.secret, op.OpenConversationFromWidget({ input }))).openConversation;
    expect(c.customer.id).toBe(survivorId);
    const [entry] = await entriesOf(survivorId);
    expect(entry).toMatchObject({
      action: 'customer.merged',
      actorKeyId: keys.ingest.id,
      details: { automatic: true, identifierTypes: ['EMAIL', 'WECHAT_OPENID'] },
    });
    expect(await published(1)).toEqual([{ id: entry.id, action: 'customer.merged', subjectType: 'Customer', subjectId: survivorId }]);
  });

  it('cost one statement for the audit of a whole batch: 150 merges send as many statements as one, and every entry is published', async () => {
    const people = (tag: string, count: number) => Array.from({ length: count }, (_, i) => ({ email: `${tag}${i}@batch.test`, device: `${tag}-device-${i}` }));
    const batch = async (tag: string, count: number) => {
      const everyone = people(tag, count);
      await ingest(
        everyone.flatMap(({ email, device }) => [
          { messageId: messageId(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: email }] },
          { messageId: messageId(), kind: 'IDENTIFY', identifiers: [{ type: 'DEVICE_ID', value: device }] },
        ]),
      );
      return ingest(
        everyone.map(({ email, device }) => ({
          messageId: messageId(),
          kind: 'TRACK',
          event: 'page_viewed',
          identifiers: [
            { type: 'EMAIL', value: email },
            { type: 'DEVICE_ID', value: device },
          ],
        })),
      );
    };
    const one = await batch('one', 1);
    const many = await batch('many', 150);
    expect(one.body.data.ingest).toMatchObject({ merges: 1 });
    expect(many.body.data.ingest).toMatchObject({ merges: 150, accepted: 150 });
    expect(sqlStatements(many)).toBe(sqlStatements(one));
    const without = await ingest([{ messageId: messageId(), kind: 'TRACK', event: 'page_viewed', identifiers: [{ type: 'EMAIL', value: 'one0@batch.test' }] }]);
    // with merges: the merge statement, the audit insert and the webhooks' outbox (CUSTOMER_MERGED), in the same pipeline
    expect(sqlStatements(one) - sqlStatements(without)).toBe(3);

    const written = await t.sql<{ id: string }>(
      `select id from audit_entry where action = 'customer.merged' and actor_key_id = ? and details->>'absorbedId' in (select absorbed_id::text from customer_merge where reason like '%@batch.test%') order by id`,
      [keys.ingest.id],
    );
    expect(written).toHaveLength(151);
    const live = await published(151);
    expect(live.map((entry) => entry.id).sort()).toEqual(written.map((row) => row.id));
  });

  it('record refused links with the identifier type and reason, not the value', async () => {
    const events = [0, 1].map((i) => ({
      messageId: messageId(),
      kind: 'IDENTIFY',
      identifiers: [
        { type: 'MEMBER_ID', value: `refused-member-${i}` },
        { type: 'EMAIL', value: 'refused.shared@example.com' },
      ],
    }));
    // what was left unlinked, values included, is the ingest answer's, which only ADMIN reads
    const result = (await ingest(events, t.adminKey)).body.data.ingest;
    expect(result.unlinked).toHaveLength(1);
    const subject = await ownerOf('MEMBER_ID', 'refused-member-1');
    const [entry] = (await entriesOf(subject)).filter((e) => e.action === 'customer.merge_refused');
    expect(entry).toMatchObject({ actorKeyId: adminKeyId, details: { type: 'EMAIL', reason: expect.any(String) } });
    expect(JSON.stringify(entry)).not.toContain('refused.shared');
    expect(await published(1)).toEqual([{ id: entry.id, action: 'customer.merge_refused', subjectType: 'Customer', subjectId: subject }]);
  });
});
