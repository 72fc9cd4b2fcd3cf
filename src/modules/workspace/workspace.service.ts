import { isSupportedCountry } from 'libphonenumber-js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventBus } from '../../events/bus';
import type { Viewer } from '../../graphql/auth';
import { Role, ValueTier } from '../../graphql/enums';
import { enqueue } from '../../jobs/runner';
import { addDefaultPlaybooks } from '../care/playbook.service';
import { addApiKey } from './api-key.service';
import { publishAudit, recordAudit } from './audit.service';
import type { AuditEntry } from './audit-entry.entity';
import { Workspace } from './workspace.entity';
import type { ContactCadence, WorkspaceSettings } from './workspace-settings.types';
import type { ContactCadenceInput, WorkspaceSettingsInput } from './workspace-settings.input';
import { WorkspaceErrors } from './workspace.errors';

export async function getWorkspace(em: EntityManager, id: string): Promise<Workspace> {
  const workspace = await em.findOne(Workspace, { id });
  if (!workspace) throw WorkspaceErrors.notFound(id);
  return workspace;
}

/** Creates a workspace with its first ADMIN key and the plans' playbooks, in one transaction; returns the key's secret. */
export async function createWorkspace(em: EntityManager, name: string, adminSecret?: string): Promise<{ workspace: Workspace; adminKey: string }> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) throw WorkspaceErrors.nameLength();
  return em.transactional(async (tx) => {
    const workspace = tx.create(Workspace, { name: trimmed });
    tx.persist(workspace);
    const { secret } = addApiKey(tx, workspace.id, { name: 'admin', role: Role.ADMIN, secret: adminSecret }, null);
    addDefaultPlaybooks(tx, workspace.id);
    recordAudit(tx, workspace.id, null, { action: 'workspace.created', subjectType: 'Workspace', subjectId: workspace.id, details: { name: trimmed } });
    return { workspace, adminKey: secret };
  });
}

/** Settings that stages and tiers are computed from. */
const LIFECYCLE_SETTINGS = ['highValueAnnualSpend', 'mediumValueAnnualSpend', 'newCustomerDays', 'atRiskAfterDays', 'churnedAfterDays', 'contactCadences'];

/** The stored cadences with those the input names replaced, one per tier, in tier order. */
function mergedCadences(stored: ContactCadence[], input: ContactCadenceInput[]): ContactCadence[] {
  if (new Set(input.map((cadence) => cadence.valueTier)).size !== input.length)
    throw WorkspaceErrors.settingInvalid('contactCadences', 'name each value tier at most once');
  const byTier = new Map(stored.map((cadence) => [cadence.valueTier, cadence]));
  for (const { valueTier, dedicatedEveryDays, onlineEveryDays } of input) {
    byTier.set(valueTier, { valueTier, dedicatedEveryDays: dedicatedEveryDays ?? null, onlineEveryDays: onlineEveryDays ?? null });
  }
  return Object.values(ValueTier).flatMap((tier) => byTier.get(tier) ?? []);
}

/** Validates and stores the changed settings; returns the workspace and the audit entry written. */
export async function updateWorkspaceSettings(em: EntityManager, bus: EventBus, viewer: Viewer, input: WorkspaceSettingsInput): Promise<Workspace> {
  const { workspace, audit } = await em.transactional(async (tx): Promise<{ workspace: Workspace; audit: AuditEntry }> => {
    const workspace = await getWorkspace(tx, viewer.workspaceId);
    const changes: Partial<WorkspaceSettings> = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null));
    if (input.contactCadences) changes.contactCadences = mergedCadences(workspace.settings.contactCadences, input.contactCadences);
    const next = { ...workspace.settings, ...changes } as WorkspaceSettings;
    validateSettings(next);
    workspace.storedSettings = { ...workspace.storedSettings, ...changes };
    if (LIFECYCLE_SETTINGS.some((key) => key in changes)) {
      // every customer by the new thresholds, in the background; queued only if this commits
      await enqueue(tx, 'lifecycle_reevaluate', { workspaceId: workspace.id }, `lifecycle_reevaluate:${workspace.id}`);
    }
    const audit = recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'workspace.settings_updated',
      subjectType: 'Workspace',
      subjectId: workspace.id,
      details: { changes },
    });
    return { workspace, audit };
  });
  await publishAudit(bus, audit);
  // keys of this workspace were authenticated with the old masking: every process forgets them
  if (input.maskedRoles) await bus.publish('WORKSPACE_MASKING_CHANGED', { ws: workspace.id, maskedRoles: workspace.settings.maskedRoles });
  return workspace;
}

/**
 * On a database without workspaces, creates the default one and returns its admin key (the given
 * one, or a new secret). Returns undefined when a workspace exists. Safe when servers start together.
 */
export async function ensureDefaultWorkspace(em: EntityManager, adminSecret?: string): Promise<{ workspace: Workspace; adminKey: string } | undefined> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('cdp:default-workspace'))`);
    if ((await tx.count(Workspace, {})) > 0) return undefined;
    return createWorkspace(tx, 'Default', adminSecret);
  });
}

function validateSettings(settings: WorkspaceSettings): void {
  const fail = (field: keyof WorkspaceSettings, message: string) => {
    throw WorkspaceErrors.settingInvalid(field, message);
  };
  for (const field of ['highValueAnnualSpend', 'mediumValueAnnualSpend'] as const) {
    if (!Number.isFinite(settings[field]) || settings[field] < 0 || settings[field] > 1e12) fail(field, 'must be an amount from 0 to 1,000,000,000,000');
  }
  if (settings.highValueAnnualSpend <= settings.mediumValueAnnualSpend) fail('highValueAnnualSpend', 'must be above mediumValueAnnualSpend');
  for (const field of ['newCustomerDays', 'atRiskAfterDays', 'churnedAfterDays'] as const) {
    if (settings[field] < 1 || settings[field] > 3650) fail(field, 'must be between 1 and 3650 days');
  }
  if (settings.churnedAfterDays <= settings.atRiskAfterDays) fail('churnedAfterDays', 'must be above atRiskAfterDays');
  for (const field of ['highValueContactCap', 'mediumValueContactCap', 'basicValueContactCap'] as const) {
    if (settings[field] < 0 || settings[field] > 1000) fail(field, 'must be between 0 and 1000 contacts');
  }
  for (const field of ['generalResponseHours', 'complexResponseHours', 'majorResponseHours'] as const) {
    if (!(settings[field] > 0 && settings[field] <= 24 * 365)) fail(field, 'must be more than 0 and at most a year of hours');
  }
  if (settings.followUpAfterDays < 0 || settings.followUpAfterDays > 365) fail('followUpAfterDays', 'must be between 0 and 365 days');
  if (!(settings.autoReplyThreshold > 0 && settings.autoReplyThreshold <= 1)) fail('autoReplyThreshold', 'must be more than 0 and at most 1');
  if (settings.contactCapDays < 1 || settings.contactCapDays > 365) fail('contactCapDays', 'must be between 1 and 365 days');
  if (!Number.isInteger(settings.ownerFirstWaitSeconds) || settings.ownerFirstWaitSeconds < 0 || settings.ownerFirstWaitSeconds > 3600)
    fail('ownerFirstWaitSeconds', 'must be a whole number of seconds between 0 and 3600');
  try {
    if (settings.timezone.length > 64) throw new RangeError('too long');
    new Intl.DateTimeFormat('en', { timeZone: settings.timezone });
  } catch {
    fail('timezone', `is not an IANA time zone: ${settings.timezone}`);
  }
  // a region libphonenumber does not know would make every national number unreadable
  if (!isSupportedCountry(settings.defaultPhoneRegion)) fail('defaultPhoneRegion', 'must be a region with a phone numbering plan, such as CN');
  if (!/^[A-Z]{2}$/.test(settings.defaultPhoneRegion)) fail('defaultPhoneRegion', 'must be a two-letter region code such as CN');
  if (settings.maskedRoles.includes(Role.ADMIN)) fail('maskedRoles', 'may not hold ADMIN: someone must see the data as it is');
  const days = settings.contactCadences.flatMap((cadence) => [cadence.dedicatedEveryDays, cadence.onlineEveryDays]).filter((d) => d !== null);
  if (days.some((d) => !Number.isInteger(d) || d < 1 || d > 3650)) fail('contactCadences', 'days between contacts must be whole numbers from 1 to 3650');
  if (!(settings.followUpSampleRate >= 0 && settings.followUpSampleRate <= 1)) fail('followUpSampleRate', 'must be from 0 to 1');
  if (!(settings.careTaskNoticeHours >= 0 && settings.careTaskNoticeHours <= 24 * 30)) fail('careTaskNoticeHours', 'must be from 0 to 720 hours');
  const phrases = settings.empathyPhrases;
  if (phrases.length > 200 || phrases.some((phrase) => !phrase.trim() || phrase.length > 200))
    fail('empathyPhrases', 'must be at most 200 phrases of 1 to 200 characters');
  if (!(settings.negativeSentimentThreshold >= -1 && settings.negativeSentimentThreshold <= 0)) fail('negativeSentimentThreshold', 'must be from -1 to 0');
  const keys = settings.personalTraitKeys;
  if (keys.length > 100 || keys.some((key) => !key.trim() || key.length > 100)) fail('personalTraitKeys', 'must be at most 100 keys of 1 to 100 characters');
}
