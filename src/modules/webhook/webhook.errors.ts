import { badInput, notFound } from '../../errors';

/** Refusals of webhooks. */
export const WebhookErrors = {
  notFound: (id: string) => notFound('WEBHOOK_NOT_FOUND', 'Webhook', id),
  urlInvalid: (why: string) => badInput('WEBHOOK_URL_INVALID', `url ${why}`, { field: 'url' }),
  urlPrivate: () =>
    badInput('WEBHOOK_URL_PRIVATE', 'url resolves to a loopback, private, link-local or metadata address; allowPrivateWebhookUrls lets it', { field: 'url' }),
  topicsEmpty: () => badInput('WEBHOOK_TOPICS_EMPTY', 'topics must name at least one topic', { field: 'topics' }),
};
