import { CustomerMerge } from '../modules/customer/customer-merge.entity';
import { Customer } from '../modules/customer/customer.entity';
import { Event } from '../modules/customer/event.entity';
import { IdentityRuleOverride } from '../modules/customer/identity-rule-override.entity';
import { Identity } from '../modules/customer/identity.entity';
import { Suppression } from '../modules/customer/suppression.entity';
import { KnowledgeArticle } from '../modules/knowledge/knowledge-article.entity';
import { ReplyTemplate } from '../modules/template/reply-template.entity';
import { FeedbackItem, FollowUp } from '../modules/feedback/feedback-item.entity';
import { SurveyResponse } from '../modules/feedback/survey-response.entity';
import { Segment, SegmentMembershipEvent, SegmentMember } from '../modules/segment/segment.entity';
import { LifecycleTransition } from '../modules/lifecycle/lifecycle-transition.entity';
import { Consent, ConsentChange, ContactTouch } from '../modules/preference/consent.entity';
import { CustomerPreference } from '../modules/preference/customer-preference.entity';
import { ApiKey } from '../modules/workspace/api-key.entity';
import { AuditEntry } from '../modules/workspace/audit-entry.entity';
import { Workspace } from '../modules/workspace/workspace.entity';
import { Agent, AgentQueue } from '../modules/queue/agent.entity';
import { Queue } from '../modules/queue/queue.entity';
import { SlaPolicy } from '../modules/queue/sla-policy.entity';
import { Conversation } from '../modules/conversation/conversation.entity';
import { Message } from '../modules/conversation/message.entity';
import { Transfer } from '../modules/conversation/transfer.entity';
import { CareTask } from '../modules/care/care-task.entity';
import { Playbook } from '../modules/care/playbook.entity';
import { Experiment, ExperimentExposure } from '../modules/experiment/experiment.entity';
import { StoredWeeklyReport } from '../modules/metrics/weekly-report.entity';
import { Webhook, WebhookDelivery } from '../modules/webhook/webhook.entity';

/** Every entity, for the ORM's discovery. */
export const entities = [
  Workspace,
  ApiKey,
  AuditEntry,
  Customer,
  Identity,
  Event,
  CustomerMerge,
  Suppression,
  IdentityRuleOverride,
  LifecycleTransition,
  CustomerPreference,
  Consent,
  ConsentChange,
  ContactTouch,
  KnowledgeArticle,
  ReplyTemplate,
  FeedbackItem,
  FollowUp,
  SurveyResponse,
  SlaPolicy,
  Queue,
  Agent,
  AgentQueue,
  Conversation,
  Message,
  Transfer,
  Segment,
  SegmentMember,
  SegmentMembershipEvent,
  Playbook,
  CareTask,
  Experiment,
  ExperimentExposure,
  StoredWeeklyReport,
  Webhook,
  WebhookDelivery,
];
