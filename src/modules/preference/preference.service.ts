import { completeMatchingTask, countContact } from '../care/care-task.service';
import { requireIds } from '../queue/queue.service';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { readByKey, sql } from '../../db/sql';
import type { EventBus } from '../../events/bus';
import type { Viewer } from '../../graphql/auth';
import { Channel, ContactBlock, ContactPurpose, IdentityType, ValueTier } from '../../graphql/enums';
import { liveCustomerId } from '../customer/privacy.service';
import { publishMembership, reevaluateMembers } from '../segment/segment.service';
import { publishAudit, recordAudit } from '../workspace/audit.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { consentKey, type ContactProfile } from './contactability.rules';
import { Consent, ConsentChange, ContactTouch } from './consent.entity';
import { CustomerPreference } from './customer-preference.entity';
import { isTimeZone, parseClockTime } from './local-time.rules';
import type { Contactability } from './preference.types';
import type { PreferencesInput } from './preference.input';
import { CustomerErrors } from '../customer/customer.errors';
import { PreferenceErrors } from './preference.errors';

/**
 * A customer's "family": itself and the customers merged into it. Preferences, consents and touches
 * stay with the customer that gave them (so an unmerge gives them back); reads take the family's.
 */
const FAMILY = `(select r.id as root, m.id as member from unnest(?::uuid[]) r(id) join customer m on m.workspace_id = ? and (m.id = r.id or m.merged_into_id = r.id))`;

/** The effective preference row of each customer: its own, else the latest of its family. */
export async function preferenceRows(em: EntityManager, workspaceId: string, customerIds: string[]): Promise<Map<string, CustomerPreference>> {
  const rows = await readByKey<Record<string, unknown> & { root: string }>(
    em,
    `select distinct on (f.root) f.root, p.* from ${FAMILY} f join customer_preference p on p.workspace_id = ? and p.customer_id = f.member
     order by f.root, (p.customer_id = f.root) desc, p.updated_at desc`,
    [customerIds, workspaceId, workspaceId],
  );
  return new Map(rows.map(({ root, ...row }) => [root, em.map(CustomerPreference, row)]));
}

/** The latest consent per channel and purpose of each customer's family. */
export async function consentRows(em: EntityManager, workspaceId: string, customerIds: string[]): Promise<Map<string, Consent[]>> {
  const rows = await readByKey<Record<string, unknown> & { root: string }>(
    em,
    `select distinct on (f.root, c.channel, c.purpose) f.root, c.* from ${FAMILY} f join consent c on c.workspace_id = ? and c.customer_id = f.member
     order by f.root, c.channel, c.purpose, c.updated_at desc`,
    [customerIds, workspaceId, workspaceId],
  );
  const byCustomer = new Map<string, Consent[]>();
  for (const { root, ...row } of rows) byCustomer.set(root, [...(byCustomer.get(root) ?? []), em.map(Consent, row)]);
  return byCustomer;
}

export async function consentHistory(em: EntityManager, workspaceId: string, customerIds: string[]): Promise<Map<string, ConsentChange[]>> {
  const rows = await readByKey<Record<string, unknown> & { root: string }>(
    em,
    `select f.root, h.* from ${FAMILY} f join consent_change h on h.workspace_id = ? and h.customer_id = f.member order by h.at desc, h.id desc`,
    [customerIds, workspaceId, workspaceId],
  );
  const byCustomer = new Map<string, ConsentChange[]>();
  for (const { root, ...row } of rows) byCustomer.set(root, [...(byCustomer.get(root) ?? []), em.map(ConsentChange, row)]);
  return byCustomer;
}

/** Everything contactability needs for many customers at one moment, in one statement. */
export async function contactProfiles(
  em: EntityManager,
  workspaceId: string,
  settings: WorkspaceSettings,
  customerIds: string[],
  at: Date,
): Promise<Map<string, ContactProfile>> {
  const rows = await readByKey<{
    id: string;
    value_tier: ValueTier;
    erased: boolean;
    identity_types: IdentityType[];
    consents: Record<string, boolean>;
    preference: {
      timezone: string | null;
      quiet_start: string | null;
      quiet_end: string | null;
      cap_max_contacts: number | null;
      cap_per_days: number | null;
    } | null;
    touches: string[];
  }>(
    em,
    `with family as ${FAMILY}
     select c.id, c.value_tier, c.erased_at is not null as erased,
       array(select distinct i.type from identity i where i.workspace_id = c.workspace_id and i.customer_id = c.id) as identity_types,
       (select coalesce(jsonb_object_agg(x.k, x.g), '{}') from (
          select distinct on (s.channel, s.purpose) s.channel || ':' || s.purpose as k, s.granted as g
          from family f join consent s on s.workspace_id = c.workspace_id and s.customer_id = f.member where f.root = c.id
          order by s.channel, s.purpose, s.updated_at desc) x) as consents,
       (select to_jsonb(p) from family f join customer_preference p on p.workspace_id = c.workspace_id and p.customer_id = f.member
          where f.root = c.id order by (p.customer_id = c.id) desc, p.updated_at desc limit 1) as preference,
       array(select to_char(t.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from family f join contact_touch t on t.workspace_id = c.workspace_id and t.customer_id = f.member
          where f.root = c.id and t.purpose = 'MARKETING' and t.at <= ?::timestamptz and t.at > ?::timestamptz - interval '366 days' order by t.at) as touches
     from customer c where c.workspace_id = ? and c.id = any(?::uuid[])`,
    [customerIds, workspaceId, at, at, workspaceId, customerIds],
  );
  return new Map(
    rows.map((row) => {
      const pref = row.preference;
      const start = pref?.quiet_start ? parseClockTime(pref.quiet_start) : undefined;
      const end = pref?.quiet_end ? parseClockTime(pref.quiet_end) : undefined;
      const profile: ContactProfile = {
        erased: row.erased,
        tier: row.value_tier,
        identityTypes: row.identity_types,
        consents: new Map(Object.entries(row.consents)),
        timezone: pref?.timezone ?? settings.timezone,
        quietHours: start !== undefined && end !== undefined ? { start, end } : null,
        ownCap: pref?.cap_max_contacts != null && pref.cap_per_days != null ? { maxContacts: pref.cap_max_contacts, perDays: pref.cap_per_days } : null,
        marketingTouches: row.touches.map((text) => new Date(text)),
      };
      return [row.id, profile];
    }),
  );
}

/** Outbound touches per channel of each customer's family, and how many got an inbound reply on that channel within 48 h. */
export async function responseRates(
  em: EntityManager,
  workspaceId: string,
  customerIds: string[] | null,
  now: Date,
): Promise<Map<string, Map<Channel, number>>> {
  const touches = customerIds
    ? { from: `${FAMILY} f join contact_touch t on t.workspace_id = ? and t.customer_id = f.member`, params: [customerIds, workspaceId, workspaceId] }
    : {
        from: `contact_touch t join lateral (select coalesce(merged_into_id, id) as root from customer where workspace_id = t.workspace_id and id = t.customer_id) f on true`,
        params: [],
      };
  // a whole workspace's rates plan for its values; a few customers' probe by key
  const rows = await (customerIds ? readByKey : sql)<{ root: string; channel: Channel; touches: number; replied: number }>(
    em,
    `select ${customerIds ? 'f.root' : `''`} as root, t.channel, count(*)::int as touches,
       count(*) filter (where exists (select 1 from event e where e.workspace_id = t.workspace_id and e.customer_id = f.root
         and e.channel = t.channel and e.occurred_at > t.at and e.occurred_at <= t.at + interval '48 hours'))::int as replied
     from ${touches.from} where t.workspace_id = ? ${customerIds ? '' : `and t.at > ?::timestamptz - interval '90 days'`} group by 1, 2`,
    customerIds ? [...touches.params, workspaceId] : [workspaceId, now],
  );
  const rates = new Map<string, Map<Channel, number>>();
  for (const row of rows) {
    if (!rates.has(row.root)) rates.set(row.root, new Map());
    rates.get(row.root)!.set(row.channel, row.replied / row.touches);
  }
  return rates;
}

/**
 * Ranks the allowed channels: the customer's own response rate first, then their preference order,
 * then the workspace's response rate, then the order of the Channel enum.
 */
export function bestChannel(
  allowed: Channel[],
  own: Map<Channel, number> | undefined,
  preferred: Channel[],
  workspace: Map<Channel, number> | undefined,
): Channel | null {
  const order = Object.values(Channel);
  const rank = (channel: Channel) => [
    -(own?.get(channel) ?? 0),
    preferred.includes(channel) ? preferred.indexOf(channel) : order.length,
    -(workspace?.get(channel) ?? 0),
    order.indexOf(channel),
  ];
  const sorted = [...allowed].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x.map((value, i) => value - y[i]).find((difference) => difference !== 0) ?? 0;
  });
  return sorted[0] ?? null;
}

function validate(input: PreferencesInput): void {
  const fail = (field: string, message: string) => {
    throw PreferenceErrors.invalid(field, message);
  };
  if (input.preferredChannels && new Set(input.preferredChannels).size !== input.preferredChannels.length) fail('preferredChannels', 'lists a channel twice');
  if (input.language) {
    try {
      if (input.language.length > 35) throw new Error();
      Intl.getCanonicalLocales(input.language);
    } catch {
      fail('language', `is not a language tag such as zh-CN or en: ${input.language}`);
    }
  }
  if (input.timezone && !isTimeZone(input.timezone)) fail('timezone', `is not an IANA time zone such as Asia/Shanghai: ${input.timezone}`);
  if (input.quietHours) {
    const [start, end] = [parseClockTime(input.quietHours.start), parseClockTime(input.quietHours.end)];
    if (start === undefined) fail('quietHours.start', `must be HH:MM between 00:00 and 23:59: ${input.quietHours.start}`);
    if (end === undefined) fail('quietHours.end', `must be HH:MM between 00:00 and 23:59: ${input.quietHours.end}`);
    if (start === end) fail('quietHours', 'must not start and end at the same time');
  }
  if (input.frequencyCap) {
    const { maxContacts, perDays } = input.frequencyCap;
    if (maxContacts < 1 || maxContacts > 1000) fail('frequencyCap.maxContacts', 'must be between 1 and 1000 (withdraw consent to stop contact altogether)');
    if (perDays < 1 || perDays > 365) fail('frequencyCap.perDays', 'must be between 1 and 365');
  }
  const seen = new Set<string>();
  for (const [i, consent] of (input.consents ?? []).entries()) {
    const key = consentKey(consent.channel, consent.purpose);
    if (seen.has(key)) fail(`consents[${i}]`, `repeats ${consent.channel} ${consent.purpose}`);
    seen.add(key);
    if (consent.source && consent.source.length > 200) fail(`consents[${i}].source`, 'must be at most 200 characters');
  }
}

/** Sets what the input names (null clears), records consent decisions with their history, writes the audit log: one transaction. */
export async function setPreferences(em: EntityManager, bus: EventBus, viewer: Viewer, id: string, input: PreferencesInput, now: Date): Promise<string> {
  validate(input);
  const ws = viewer.workspaceId;
  const { customerId, audit, segmentChanges } = await em.fork().transactional(async (tx) => {
    const customerId = await liveCustomerId(tx, ws, id);
    await readByKey(tx, `select id from customer where workspace_id = ? and id = ? for update`, [ws, customerId]);
    const current = (await preferenceRows(tx, ws, [customerId])).get(customerId);
    let own = await tx.findOne(CustomerPreference, { customerId });
    if (!own) {
      own = tx.create(CustomerPreference, {
        customerId,
        workspace: ws,
        preferredChannels: current?.preferredChannels ?? [],
        language: current?.language,
        timezone: current?.timezone,
        quietStart: current?.quietStart,
        quietEnd: current?.quietEnd,
        capMaxContacts: current?.capMaxContacts,
        capPerDays: current?.capPerDays,
        updatedAt: now,
      });
      tx.persist(own);
    }
    if (input.preferredChannels !== undefined) own.preferredChannels = input.preferredChannels ?? [];
    if (input.language !== undefined) own.language = input.language || null;
    if (input.timezone !== undefined) own.timezone = input.timezone || null;
    if (input.quietHours !== undefined) [own.quietStart, own.quietEnd] = input.quietHours ? [input.quietHours.start, input.quietHours.end] : [null, null];
    if (input.frequencyCap !== undefined)
      [own.capMaxContacts, own.capPerDays] = input.frequencyCap ? [input.frequencyCap.maxContacts, input.frequencyCap.perDays] : [null, null];
    own.updatedAt = now;

    for (const decision of input.consents ?? []) {
      const source = decision.source ?? null;
      await sql(
        tx,
        `insert into consent (id, workspace_id, customer_id, channel, purpose, granted, source, updated_at) values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?)
         on conflict (workspace_id, customer_id, channel, purpose) do update set granted = excluded.granted, source = excluded.source, updated_at = excluded.updated_at`,
        [ws, customerId, decision.channel, decision.purpose, decision.granted, source, now],
      );
      tx.persist(
        tx.create(ConsentChange, {
          workspace: ws,
          customerId,
          channel: decision.channel,
          purpose: decision.purpose,
          granted: decision.granted,
          source,
          actorKeyId: viewer.keyId,
          at: now,
        }),
      );
    }
    const { consents, ...fields } = input;
    const audit = recordAudit(tx, ws, viewer.keyId, {
      action: 'customer.preferences_updated',
      subjectType: 'Customer',
      subjectId: customerId,
      details: {
        fields: Object.keys(fields),
        consents: (consents ?? []).map(({ channel, purpose, granted, source }) => ({ channel, purpose, granted, source: source ?? null })),
      },
    });
    await tx.flush();
    // consent and channel conditions of dynamic segments follow at once
    const segmentChanges = await reevaluateMembers(tx, ws, [customerId], now);
    return { customerId, audit, segmentChanges };
  });
  await publishAudit(bus, audit);
  await publishMembership(bus, ws, segmentChanges);
  return customerId;
}

/**
 * Records an outbound contact (counted against the frequency cap when it is MARKETING, and by the
 * tier's cadence, dedicated when the owner made it by phone or in person), which carries out the
 * customer's earliest due care task on that channel; an erased customer is not contacted.
 */
export async function recordContact(
  em: EntityManager,
  viewer: Viewer,
  settings: WorkspaceSettings,
  id: string,
  contact: { channel: Channel; purpose: ContactPurpose; agentId: string | null },
  now: Date,
): Promise<string | Contactability> {
  if (!isUuid(id)) throw CustomerErrors.notFound(id);
  const ws = viewer.workspaceId;
  const [erased] = await readByKey(em, `select 1 from customer where workspace_id = ? and id = ? and erased_at is not null`, [ws, id]);
  if (erased) return { allowed: false, blockedBy: [ContactBlock.ERASED], nextAllowedAt: null };
  return em.fork().transactional(async (tx) => {
    const customerId = await liveCustomerId(tx, ws, id);
    if (contact.agentId) await requireIds(tx, ws, 'agent', [contact.agentId]);
    // one contact at a time per customer (countContact locks it), so concurrent senders see each other's touches
    await countContact(tx, ws, customerId, contact.channel, contact.agentId, settings.contactCadences, now);
    tx.persist(tx.create(ContactTouch, { workspace: ws, customerId, channel: contact.channel, purpose: contact.purpose, at: now }));
    await completeMatchingTask(tx, ws, customerId, contact.channel, now);
    return customerId;
  });
}
