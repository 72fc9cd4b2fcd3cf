import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('experiment.graphql'), ...operations('template.graphql') };
const clock = new TestClock('2026-05-04T02:00:00Z');
const DAY = 86_400_000;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clock });
});
afterAll(() => t.stop());

let templates = 0;
async function template(channel = 'SMS', scene = 'MARKETING'): Promise<string> {
  const input = { name: `wording ${++templates}`, channel, scene, body: `优惠 ${templates}: {{customer.displayName|朋友}}` };
  return (await data(t.url, t.adminKey, op.CreateReplyTemplate({ input }))).createReplyTemplate.id;
}

async function experiment(weights: number[], windowDays = 7): Promise<{ id: string; templateIds: string[] }> {
  const templateIds = await Promise.all(weights.map(() => template()));
  const input = {
    name: `test ${templates}`,
    scene: 'MARKETING',
    channel: 'SMS',
    conversionEvent: 'order_completed',
    windowDays,
    variants: weights.map((weight, i) => ({ key: String.fromCharCode(65 + i), weight, templateId: templateIds[i] })),
  };
  const { id } = (await data(t.url, await t.addKey(Role.MARKETER), op.CreateExperiment({ input }))).createExperiment;
  return { id, templateIds };
}

/** `count` customers written straight to the database, for fixtures of exposures. */
async function customers(count: number): Promise<string[]> {
  const rows = await t.sql<{ id: string }>(
    `insert into customer (id, workspace_id, display_name, traits, trait_times, tags, total_spend, order_count, first_seen_at, last_seen_at, created_at, updated_at)
     select gen_random_uuid(), ?, 'Person ' || n, '{}', '{}', '{}', 0, 0, now(), now(), now(), now() from generate_series(1, ?) n returning id`,
    [t.workspaceId, count],
  );
  return rows.map((row) => row.id);
}

const expose = (experimentId: string, variant: string, ids: string[], at: Date) =>
  t.sql(`insert into experiment_exposure (workspace_id, experiment_id, customer_id, variant, exposed_at) select ?, ?, x, ?, ? from unnest(?::uuid[]) x`, [
    t.workspaceId,
    experimentId,
    variant,
    at,
    ids,
  ]);

const buy = (ids: string[], at: Date, revenue = 100, type = 'order_completed') =>
  t.sql(
    `insert into event (id, workspace_id, customer_id, message_id, type, properties, revenue, occurred_at, received_at)
     select gen_random_uuid(), ?, x, gen_random_uuid()::text, ?, '{}', ?, ?, ? from unnest(?::uuid[]) x`,
    [t.workspaceId, type, revenue, at, at, ids],
  );

const results = async (id: string, key = t.adminKey) => (await data(t.url, key, op.ExperimentResults({ id }))).experiment.results;

describe('experiments', () => {
  it('checks its input, assigns only while RUNNING, deterministically and by weight over 10,000 customers', async () => {
    const one = await template();
    const bad = await post(
      t.url,
      t.adminKey,
      op.CreateExperiment({
        input: {
          name: 'x',
          scene: 'MARKETING',
          channel: 'SMS',
          conversionEvent: 'order_completed',
          windowDays: 7,
          variants: [{ key: 'A', weight: 1, templateId: one }],
        },
      }),
    );
    expect(bad.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EXPERIMENT_INVALID', field: 'variants' });
    const email = await template('EMAIL');
    const mismatch = await post(
      t.url,
      t.adminKey,
      op.CreateExperiment({
        input: {
          name: 'x',
          scene: 'MARKETING',
          channel: 'SMS',
          conversionEvent: 'order_completed',
          windowDays: 7,
          variants: [
            { key: 'A', weight: 1, templateId: one },
            { key: 'B', weight: 1, templateId: email },
          ],
        },
      }),
    );
    expect(mismatch.body.errors?.[0].extensions).toMatchObject({ reason: 'EXPERIMENT_INVALID', field: 'variants[1].templateId' });
    expect(codes(await post(t.url, await t.addKey(Role.AGENT), op.StartExperiment({ id: '01a24d28-0e2b-7349-8ab6-83c10526e060' })))).toEqual(['FORBIDDEN']);

    const { id } = await experiment([1, 3]);
    const [first] = await customers(1);
    const draft = await post(t.url, t.adminKey, op.AssignVariant({ experimentId: id, customerId: first }));
    expect(draft.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'EXPERIMENT_STATUS' });
    expect((await data(t.url, t.adminKey, op.StartExperiment({ id }))).startExperiment).toMatchObject({
      status: 'RUNNING',
      startedAt: clock.now().toISOString(),
    });

    const people = [first, ...(await customers(9_999))];
    const agent = await t.addKey(Role.AGENT);
    const assigned = new Map<string, string>();
    // 15 aliases a request (the server's limit), four requests at a time
    const batches: string[][] = [];
    for (let i = 0; i < people.length; i += 15) batches.push(people.slice(i, i + 15));
    const send = async (batch: string[]) => {
      const query = `mutation { ${batch.map((c, j) => `a${j}: assignVariant(experimentId: "${id}", customerId: "${c}") { variant }`).join(' ')} }`;
      const answer = await data(t.url, agent, { query });
      batch.forEach((c, j) => assigned.set(c, answer[`a${j}`].variant));
    };
    for (let i = 0; i < batches.length; i += 4) await Promise.all(batches.slice(i, i + 4).map(send));
    const counts = { A: 0, B: 0 } as Record<string, number>;
    for (const variant of assigned.values()) counts[variant]++;
    // a quarter with binomial sd 43: within five of them
    expect(Math.abs(counts.A - 2_500)).toBeLessThan(217);
    expect(counts.A + counts.B).toBe(10_000);
    const again = (await data(t.url, t.adminKey, op.AssignVariant({ experimentId: id, customerId: people[7] }))).assignVariant;
    expect(again.variant).toBe(assigned.get(people[7]));
    expect(again.rendered.text).toMatch(/^优惠 \d+: Person/);
    const [{ n }] = await t.sql(`select count(*)::int n from experiment_exposure where experiment_id = ?`, [id]);
    expect(n).toBe(10_000);
  }, 180_000);

  it('counts the first conversion within the window after exposure, once per customer, against a hand-computed fixture', async () => {
    const { id } = await experiment([1, 1]);
    await data(t.url, t.adminKey, op.StartExperiment({ id }));
    const at = new Date('2026-05-01T00:00:00Z');
    const [a, b] = [await customers(10), await customers(10)];
    await expose(id, 'A', a, at);
    await expose(id, 'B', b, at);
    // A: 3 converted (one of them twice: the first counts), one bought before exposure, one after the window
    await buy(a.slice(0, 3), new Date(at.getTime() + DAY), 100);
    await buy(a.slice(0, 1), new Date(at.getTime() + 2 * DAY), 999);
    await buy(a.slice(3, 4), new Date(at.getTime() - DAY), 999);
    await buy(a.slice(4, 5), new Date(at.getTime() + 8 * DAY), 999);
    await buy(a.slice(5, 6), new Date(at.getTime() + DAY), 999, 'page_viewed');
    // B: 6 converted at 50
    await buy(b.slice(0, 6), new Date(at.getTime() + 6 * DAY), 50);

    const r = await results(id);
    const [ra, rb] = r.variants;
    expect(ra).toMatchObject({ key: 'A', exposures: 10, conversions: 3, conversionRate: 0.3, lift: null, revenue: 300, revenuePerExposure: 30 });
    expect(rb).toMatchObject({ key: 'B', exposures: 10, conversions: 6, conversionRate: 0.6, revenue: 300, revenuePerExposure: 30 });
    expect(rb.lift).toBeCloseTo(1, 10);
    // Wilson 95% for 3/10 and 6/10; pooled two-proportion z = 1.3484, p = erfc(z / sqrt 2)
    expect(ra.conversionRateLow).toBeCloseTo(0.107791, 5);
    expect(ra.conversionRateHigh).toBeCloseTo(0.603222, 5);
    expect(rb.conversionRateLow).toBeCloseTo(0.312674, 5);
    expect(rb.conversionRateHigh).toBeCloseTo(0.83182, 5);
    expect(r.pValue).toBeCloseTo(0.17753, 5);
    expect(r.significant).toBe(false);
  });

  it('matches a textbook example: 200 of 1,000 against 250 of 1,000', async () => {
    const { id } = await experiment([1, 1]);
    await data(t.url, t.adminKey, op.StartExperiment({ id }));
    const at = new Date('2026-04-01T00:00:00Z');
    const [control, treatment] = [await customers(1000), await customers(1000)];
    await expose(id, 'A', control, at);
    await expose(id, 'B', treatment, at);
    await buy(control.slice(0, 200), new Date(at.getTime() + DAY));
    await buy(treatment.slice(0, 250), new Date(at.getTime() + DAY));
    const r = await results(id, await t.addKey(Role.ANALYST));
    expect(r.variants.map((v: any) => [v.conversionRate, v.conversionRateLow, v.conversionRateHigh].map((x) => Number(x.toFixed(4))))).toEqual([
      [0.2, 0.1764, 0.2259],
      [0.25, 0.2242, 0.2778],
    ]);
    expect(r.pValue).toBeCloseTo(0.00742, 5); // z = 2.677
    expect(r.significant).toBe(true);
    expect(r.variants[1].lift).toBeCloseTo(0.25, 10);
  });

  it('answers a p-value of 0, not an error, for a difference far past any doubt', async () => {
    const { id } = await experiment([1, 1]);
    const at = new Date('2026-03-01T00:00:00Z');
    const [control, treatment] = [await customers(2000), await customers(2000)];
    await expose(id, 'A', control, at);
    await expose(id, 'B', treatment, at);
    await buy(control.slice(0, 20), new Date(at.getTime() + DAY));
    await buy(treatment.slice(0, 1900), new Date(at.getTime() + DAY));
    expect(await results(id)).toMatchObject({ pValue: 0, significant: true });
  });

  it('stops with a winner, which recommendedTemplates then prefers; keeps workspaces and roles apart', async () => {
    const { id, templateIds } = await experiment([1, 1]);
    await data(t.url, t.adminKey, op.StartExperiment({ id }));
    const unknown = await post(t.url, t.adminKey, op.StopExperiment({ id, winner: 'Z' }));
    expect(unknown.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EXPERIMENT_UNKNOWN_WINNER' });
    expect((await data(t.url, t.adminKey, op.StopExperiment({ id, winner: 'B' }))).stopExperiment).toMatchObject({ status: 'STOPPED', winner: 'B' });
    expect(codes(await post(t.url, t.adminKey, op.StopExperiment({ id })))).toEqual(['CONFLICT']);
    const [customer] = await customers(1);
    await data(t.url, t.adminKey, {
      query: `mutation($id: ID!) { setPreferences(customerId: $id, input: { consents: [{ channel: SMS, purpose: MARKETING, granted: true }] }) { preferredChannels } }`,
      variables: { id: customer },
    });
    await t.sql(
      `insert into identity (id, workspace_id, customer_id, type, value, source, verified, first_seen_at, last_seen_at) values (gen_random_uuid(), ?, ?, 'PHONE', '+8613900000001', 'test', false, now(), now())`,
      [t.workspaceId, customer],
    );
    const recommended = (await data(t.url, t.adminKey, { query: `{ recommendedTemplates(customerId: "${customer}", scene: MARKETING, channel: SMS) { id } }` }))
      .recommendedTemplates;
    expect(recommended[0].id).toBe(templateIds[1]);

    expect(codes(await post(t.url, await t.addKey(Role.INGEST), op.Experiments()))).toEqual(['FORBIDDEN']);
    const other = await t.addWorkspace('Experiments elsewhere');
    expect((await data(t.url, other.adminKey, op.ExperimentResults({ id }))).experiment).toBeNull();
    expect((await data(t.url, other.adminKey, op.Experiments())).experiments).toEqual([]);
  });
});
