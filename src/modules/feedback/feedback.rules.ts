import { FeedbackSeverity, FeedbackStatus } from '../../graphql/enums';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';

const HOUR = 3_600_000;

/** The ledger's one way forward; RESOLVED may also go back to IN_PROGRESS when verification fails. */
export const NEXT: Record<FeedbackStatus, FeedbackStatus[]> = {
  [FeedbackStatus.OPEN]: [FeedbackStatus.ACKNOWLEDGED],
  [FeedbackStatus.ACKNOWLEDGED]: [FeedbackStatus.IN_PROGRESS],
  [FeedbackStatus.IN_PROGRESS]: [FeedbackStatus.RESOLVED],
  [FeedbackStatus.RESOLVED]: [FeedbackStatus.VERIFIED, FeedbackStatus.IN_PROGRESS],
  [FeedbackStatus.VERIFIED]: [FeedbackStatus.CLOSED],
  [FeedbackStatus.CLOSED]: [],
};

export function responseDueAt(severity: FeedbackSeverity, settings: WorkspaceSettings, openedAt: Date): Date {
  const hours = {
    [FeedbackSeverity.GENERAL]: settings.generalResponseHours,
    [FeedbackSeverity.COMPLEX]: settings.complexResponseHours,
    [FeedbackSeverity.MAJOR]: settings.majorResponseHours,
  }[severity];
  return new Date(openedAt.getTime() + hours * HOUR);
}

export interface Deadlines {
  responseDueAt: Date;
  acknowledgedAt?: Date | null;
  dueAt?: Date | null;
  resolvedAt?: Date | null;
}

/** Past the response deadline while not acknowledged, or past `dueAt` while not resolved. */
export const isOverdue = (item: Deadlines, now: Date): boolean =>
  (!item.acknowledgedAt && now > item.responseDueAt) || (!!item.dueAt && !item.resolvedAt && now > item.dueAt);

/** The same rule in SQL, over a row aliased `f`, with `now` as its one parameter... twice. */
export const OVERDUE_SQL = `((f.acknowledged_at is null and f.response_due_at < ?::timestamptz) or (f.due_at is not null and f.resolved_at is null and f.due_at < ?::timestamptz))`;
