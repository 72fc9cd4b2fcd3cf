import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = {
  ...operations('merge.graphql'),
  ...operations('care.graphql'),
  ...operations('queue.graphql'),
  ...operations('conversation.graphql'),
  ...operations('workspace.graphql'),
};
const clock = new TestClock('2026-06-01T09:00:00Z');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clock, jobs: true });
});
afterAll(() => t.stop());

const agent = async (name: string, dedicated: boolean, queueIds: string[] = []) =>
  (await data(t.url, t.adminKey, op.CreateAgent({ input: { name, skills: [], maxConcurrent: 3, queueIds, dedicated } }))).createAgent.id as string;

async function customer(email: string, revenue = 0): Promise<string> {
  const result = await t.ingest([
    { messageId: `care-${email}-${revenue}`, kind: 'TRACK', event: 'order_completed', revenue, identifiers: [{ type: 'EMAIL', value: email }] },
  ]);
  expect(result.errors).toEqual([]);
  const [{ id }] = await t.sql(`select c.id from customer c join identity i on i.customer_id = c.id where i.value = ?`, [email]);
  return id;
}

const ownerOf = async (id: string) => (await data(t.url, t.adminKey, op.CustomerOwner({ id }))).customer.owner?.id ?? null;

describe('dedicated advisers', () => {
  it('assignOwner sets and clears an owner, who must be dedicated, audited; ownedCustomers counts', async () => {
    const adviser = await agent('Adviser', true);
    const plain = await agent('Plain', false);
    const id = await customer('owned@care.test', 10);
    const refused = await post(t.url, t.adminKey, op.AssignOwner({ customerId: id, agentId: plain }));
    expect(refused.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CARE_OWNER_NOT_DEDICATED' });
    expect(codes(await post(t.url, t.adminKey, op.AssignOwner({ customerId: id, agentId: '01a24d28-0e2b-7349-8ab6-83c10526e060' })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, await t.addKey(Role.MARKETER), op.AssignOwner({ customerId: id, agentId: adviser })))).toEqual(['FORBIDDEN']);

    const assigned = (await data(t.url, t.adminKey, op.AssignOwner({ customerId: id, agentId: adviser }))).assignOwner;
    expect(assigned.owner).toMatchObject({ id: adviser, dedicated: true, ownedCustomers: 1 });
    const [audit] = await t.sql(`select action, details from audit_entry where subject_id = ? order by at desc limit 1`, [id]);
    expect(audit).toMatchObject({ action: 'customer.owner_assigned', details: { agentId: adviser, previousAgentId: null } });

    const cleared = (await data(t.url, t.adminKey, op.AssignOwner({ customerId: id }))).assignOwner;
    expect(cleared.owner).toBeNull();
    expect((await data(t.url, t.adminKey, op.Advisers())).agents.find((a: { id: string }) => a.id === adviser).ownedCustomers).toBe(0);
    // another workspace cannot reach this customer
    const other = await t.addWorkspace('care elsewhere');
    expect(codes(await post(t.url, other.adminKey, op.AssignOwner({ customerId: id })))).toEqual(['NOT_FOUND']);
  });

  it('gives a customer who becomes HIGH value the least loaded dedicated agent, and hands them on when the owner stops being dedicated', async () => {
    await t.sql(`update agent set dedicated = false where workspace_id = ?`, [t.workspaceId]);
    const busy = await agent('Busy adviser', true);
    const free = await agent('Free adviser', true);
    await data(t.url, t.adminKey, op.AssignOwner({ customerId: await customer('first-vip@care.test', 10), agentId: busy }));

    const vip = await customer('vip@care.test', 150_000);
    const basic = await customer('basic@care.test', 50);
    expect(await ownerOf(vip)).toBe(free);
    expect(await ownerOf(basic)).toBeNull();

    const updated = (await data(t.url, t.adminKey, op.UpdateAgent({ agentId: free, input: { dedicated: false } }))).updateAgent;
    expect(updated).toMatchObject({ dedicated: false, ownedCustomers: 0 });
    expect(await ownerOf(vip)).toBe(busy);
  });

  it("offers an owned customer's conversation to the owner first, and to others once the owner has been away ownerFirstWaitSeconds", async () => {
    const queueId = (await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'VIP line', channels: ['PHONE'] } }))).createQueue.id;
    await t.sql(`update agent set dedicated = false where workspace_id = ?`, [t.workspaceId]);
    // the other agent is first in line for anyone else: created first, same load
    const other = await agent('Other', false, [queueId]);
    const owner = await agent('Owner', true, [queueId]);
    const vip = await customer('line-vip@care.test', 200_000);
    expect(await ownerOf(vip)).toBe(owner);
    for (const id of [other, owner]) await data(t.url, t.adminKey, op.SetAgentStatus({ agentId: id, status: 'ONLINE' }));

    const open = async (body: string) =>
      (await data(t.url, t.adminKey, op.OpenConversation({ input: { customerId: vip, channel: 'PHONE', body, queueId } }))).openConversation;
    const first = await open('first');
    expect((await t.sql(`select assignee_id from conversation where id = ?`, [first.id]))[0].assignee_id).toBe(owner);

    await data(t.url, t.adminKey, op.SetAgentStatus({ agentId: owner, status: 'OFFLINE' }));
    const waiting = await open('second');
    const [held] = await t.sql(`select status, assignee_id from conversation where id = ?`, [waiting.id]);
    expect(held).toEqual({ status: 'QUEUED', assignee_id: null });

    clock.set(new Date(clock.now().getTime() + 61_000));
    await t.server.jobs!.runNow('sla_sweep');
    const [routed] = await t.sql(`select status, assignee_id from conversation where id = ?`, [waiting.id]);
    expect(routed).toEqual({ status: 'ASSIGNED', assignee_id: other });
  });

  it("puts the owner in the customer's export, and erasure leaves the adviser owning nothing of them", async () => {
    const adviser = await agent('Exporting adviser', true);
    const id = await customer('export-owned@care.test', 10);
    await data(t.url, t.adminKey, op.AssignOwner({ customerId: id, agentId: adviser }));
    const exported = (await data(t.url, t.adminKey, op.ExportCustomer({ id }))).exportCustomer.document;
    expect(exported.customer.owner).toEqual({ id: adviser, name: 'Exporting adviser' });
    await data(t.url, t.adminKey, op.EraseCustomer({ id }));
    const [{ owner_id: ownerId }] = await t.sql(`select owner_id from customer where id = ?`, [id]);
    expect(ownerId).toBeNull();
  });
});
