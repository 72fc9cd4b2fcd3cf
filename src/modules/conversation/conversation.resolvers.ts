import { ConversationEventsResolver } from './conversation-events.resolver';
import { ConversationResolver, MessageResolver } from './conversation.resolver';
import { CustomerConversationsResolver, QueueLineResolver } from './customer-conversations.resolver';

/** The conversation module's resolver classes, for the schema. */
export const ConversationMessageResolvers = [
  ConversationResolver,
  MessageResolver,
  CustomerConversationsResolver,
  QueueLineResolver,
  ConversationEventsResolver,
];
