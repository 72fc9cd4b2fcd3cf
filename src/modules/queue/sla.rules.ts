import { SlaState } from '../../graphql/enums';

/** The numbers of an SLA policy that due times come from. */
export interface SlaTargets {
  firstResponseSeconds: number;
  resolutionSeconds: number;
  warnAt: number;
}

export interface DueTimes {
  dueAt: Date;
  warnAt: Date;
}

/** When a target started at `start` is due, and when it becomes AT_RISK (`warnAt` of the way there). */
export function dueTimes(start: Date, seconds: number, warnAt: number): DueTimes {
  const ms = seconds * 1000;
  return { dueAt: new Date(start.getTime() + ms), warnAt: new Date(start.getTime() + Math.round(ms * warnAt)) };
}

/** A target reached at `at`: MET when on time; otherwise it stays as it is for the sweep to mark BREACHED (and alert). */
export function reached(state: SlaState | null | undefined, dueAt: Date | null | undefined, at: Date): SlaState | null {
  if (!state || !dueAt) return state ?? null;
  if (state === SlaState.OK || state === SlaState.AT_RISK) return at <= dueAt ? SlaState.MET : state;
  return state;
}

/**
 * A conversation's one SLA state from its two targets: BREACHED if either was, AT_RISK if either
 * is, MET when every target was met, OK otherwise (and without a policy).
 */
export function overallSla(firstResponse: SlaState | null | undefined, resolution: SlaState | null | undefined): SlaState {
  const states = [firstResponse, resolution].filter((state): state is SlaState => Boolean(state));
  if (states.includes(SlaState.BREACHED)) return SlaState.BREACHED;
  if (states.includes(SlaState.AT_RISK)) return SlaState.AT_RISK;
  if (states.length > 0 && states.every((state) => state === SlaState.MET)) return SlaState.MET;
  return SlaState.OK;
}

/** Validates a policy's numbers; returns the first problem, or null. */
export function slaProblem(targets: SlaTargets): string | null {
  const { firstResponseSeconds, resolutionSeconds, warnAt } = targets;
  if (!Number.isInteger(firstResponseSeconds) || firstResponseSeconds < 1) return 'firstResponseSeconds must be a whole number of seconds, at least 1';
  if (!Number.isInteger(resolutionSeconds) || resolutionSeconds < firstResponseSeconds)
    return 'resolutionSeconds must be whole seconds, no shorter than firstResponseSeconds';
  if (resolutionSeconds > 366 * 86_400) return 'resolutionSeconds must be at most a year';
  if (!(warnAt > 0 && warnAt < 1)) return 'warnAt must be a share between 0 and 1 (exclusive)';
  return null;
}
