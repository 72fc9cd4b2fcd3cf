import { notFound } from '../../errors';

/** Refusals of conversations and their messages. */
export const ConversationErrors = {
  notFound: (id: string) => notFound('CONVERSATION_NOT_FOUND', 'Conversation', id),
};
