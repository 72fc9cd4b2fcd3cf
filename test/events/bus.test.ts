import { collect, data, wsClient } from '../support/client';
import { startChildServer, type ChildServer } from '../support/child-server';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';

const op = { ...operations('workspace.graphql'), ...operations('ingest.graphql') };
let t: TestServer;
let other: ChildServer;

beforeAll(async () => {
  t = await startTestServer();
  other = await startChildServer(t.databaseUrl);
});
afterAll(async () => {
  await other?.stop();
  await t?.stop();
});

describe('the LISTEN/NOTIFY bus', () => {
  it('carries an event published by one server process to a subscriber of another, both ways', async () => {
    const here = wsClient(t.wsUrl, t.adminKey);
    const there = wsClient(other.wsUrl, t.adminKey);
    const subHere = await t.subscribe('AUDIT_ENTRY_ADDED', () => collect(here, op.AuditEntryAdded()));
    const subThere = await other.subscribe('AUDIT_ENTRY_ADDED', () => collect(there, op.AuditEntryAdded()));

    const { createApiKey: made } = await data(other.url, t.adminKey, op.CreateApiKey({ name: 'made in the other process', role: 'AGENT' }));
    await subHere.waitFor(1);
    expect(subHere.events[0].data?.auditEntryAdded).toMatchObject({ action: 'api_key.created', subjectId: made.apiKey.id });

    const { createApiKey: back } = await data(t.url, t.adminKey, op.CreateApiKey({ name: 'made here', role: 'AGENT' }));
    await subThere.waitFor(2);
    expect(subThere.events.map((e) => e.data?.auditEntryAdded.subjectId)).toEqual([made.apiKey.id, back.apiKey.id]);
    await here.dispose();
    await there.dispose();
  });

  it('revokes a key in every process: the other process refuses it at once', async () => {
    const { createApiKey } = await data(t.url, t.adminKey, op.CreateApiKey({ name: 'short-lived', role: 'ANALYST' }));
    await data(other.url, createApiKey.secret, op.Workspace());
    // the revocation's audit entry is published after API_KEY_REVOKED: once the other process
    // delivered it, that process has handled the revocation too
    const there = wsClient(other.wsUrl, t.adminKey);
    const audits = await other.subscribe('AUDIT_ENTRY_ADDED', () => collect(there, op.AuditEntryAdded()));
    await data(t.url, t.adminKey, op.RevokeApiKey({ id: createApiKey.apiKey.id }));
    await audits.until((e) => e.data?.auditEntryAdded.action === 'api_key.revoked' && e.data.auditEntryAdded.subjectId === createApiKey.apiKey.id);
    await there.dispose();
    const response = await fetch(other.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${createApiKey.secret}` },
      body: JSON.stringify(op.Workspace()),
    });
    expect(response.status).toBe(401);
  });

  it('carries every event of a many-message publication to another process', async () => {
    const here = wsClient(t.wsUrl, t.adminKey);
    const sub = await t.subscribe('AUDIT_ENTRY_ADDED', () => collect(here, op.AuditEntryAdded()));
    // 300 refused links: 300 audit entries, more than one NOTIFY holds
    const events = Array.from({ length: 301 }, (_, i) => ({
      messageId: `many-${i}`,
      kind: 'TRACK',
      event: 'app_opened',
      identifiers: [
        { type: 'DEVICE_ID', value: 'bus-shared-device' },
        { type: 'MEMBER_ID', value: `bus-member-${i}` },
      ],
    }));
    const { ingest } = await data(other.url, t.adminKey, op.Ingest({ events }));
    expect(ingest.unlinked).toHaveLength(300);
    await sub.waitFor(300, 20_000);
    expect(sub.events).toHaveLength(300);
    const { auditLog } = await data(t.url, t.adminKey, op.AuditLog({ first: 300 }));
    // one batch's entries share their time, and ids within a millisecond are not ordered: compare as sets
    expect(sub.events.map((e) => e.data?.auditEntryAdded.id).sort()).toEqual(auditLog.edges.map((e: { node: { id: string } }) => e.node.id).sort());
    expect(new Set(sub.events.map((e) => e.data?.auditEntryAdded.action))).toEqual(new Set(['customer.merge_refused']));
    await here.dispose();
  });

  it('shuts the other process down cleanly on SIGTERM', async () => {
    expect(await other.stop()).toBe(0);
  });
});
