import { FeedbackSeverity, SurveyKind } from '../../graphql/enums';

export const SCORE_RANGE: Record<SurveyKind, [number, number]> = {
  [SurveyKind.CSAT]: [1, 5],
  [SurveyKind.NPS]: [0, 10],
  [SurveyKind.CES]: [1, 7],
};

/** NPS 0 to 6 and CSAT 1 or 2 are detractors; CES measures effort and has none. */
export function isDetractor(kind: SurveyKind, score: number): boolean {
  return (kind === SurveyKind.NPS && score <= 6) || (kind === SurveyKind.CSAT && score <= 2);
}

/** The angriest answers get the longer, more careful lane. */
export const detractorSeverity = (kind: SurveyKind, score: number): FeedbackSeverity =>
  (kind === SurveyKind.NPS && score <= 3) || (kind === SurveyKind.CSAT && score === 1) ? FeedbackSeverity.COMPLEX : FeedbackSeverity.GENERAL;
