import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../graphql/auth';
import { FeedbackCategory, type Channel, type SurveyKind } from '../../graphql/enums';
import { liveCustomerId } from '../customer/privacy.service';
import type { Transition } from '../lifecycle/lifecycle.service';
import { recordAudit } from '../workspace/audit.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { checkConversation, openFeedbackIn } from './feedback.service';
import { SurveyResponse } from './survey-response.entity';
import { detractorSeverity, isDetractor, SCORE_RANGE } from './survey.rules';
import { FeedbackErrors } from './feedback.errors';

export interface SurveyAnswer {
  customerId: string;
  conversationId?: string | null;
  kind: SurveyKind;
  score: number;
  comment?: string | null;
  channel?: Channel | null;
}

/** Checks an answer before anything is written. */
export function checkAnswer(answer: Omit<SurveyAnswer, 'customerId'>): void {
  const [min, max] = SCORE_RANGE[answer.kind];
  if (!Number.isInteger(answer.score) || answer.score < min || answer.score > max) {
    throw FeedbackErrors.surveyScoreRange(answer.kind, min, max, answer.score);
  }
  if (answer.comment && answer.comment.length > 4000) throw FeedbackErrors.surveyCommentTooLong();
}

/**
 * Records an answer; a detractor also opens a COMPLAINT feedback item linked to it, which tags the
 * customer complaint-risk and makes them AT_RISK. One transaction.
 */
export async function submitSurvey(
  em: EntityManager,
  viewer: Viewer,
  settings: WorkspaceSettings,
  answer: SurveyAnswer,
  now: Date,
): Promise<{ response: SurveyResponse; transitions: Transition[] }> {
  checkAnswer(answer);
  return em.fork().transactional(async (tx) => {
    const customerId = await liveCustomerId(tx, viewer.workspaceId, answer.customerId);
    await checkConversation(tx, viewer.workspaceId, answer.conversationId);
    const response = tx.create(SurveyResponse, {
      workspace: viewer.workspaceId,
      customerId,
      conversationId: answer.conversationId ?? null,
      kind: answer.kind,
      score: answer.score,
      comment: answer.comment?.trim() || null,
      channel: answer.channel ?? null,
      createdAt: now,
    });
    tx.persist(response);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'survey.submitted',
      subjectType: 'SurveyResponse',
      subjectId: response.id,
      details: { customerId, kind: answer.kind, score: answer.score },
    });
    if (!isDetractor(answer.kind, answer.score)) return { response, transitions: [] };
    const summary = `${answer.kind} ${answer.score}${response.comment ? `: ${response.comment}` : ''}`.slice(0, 2000);
    const { transitions } = await openFeedbackIn(
      tx,
      viewer,
      settings,
      {
        customerId,
        conversationId: response.conversationId,
        surveyResponseId: response.id,
        category: FeedbackCategory.COMPLAINT,
        severity: detractorSeverity(answer.kind, answer.score),
        summary,
      },
      now,
    );
    return { response, transitions };
  });
}
