import { badInput, notFound } from '../../errors';

/** Refusals of workspaces, their settings and API keys. */
export const WorkspaceErrors = {
  notFound: (id: string) => notFound('WORKSPACE_NOT_FOUND', 'Workspace', id),
  nameLength: () => badInput('WORKSPACE_NAME_LENGTH', 'a workspace name must be 1 to 200 characters'),
  /** A setting that does not fit (`extensions.field` names it). */
  settingInvalid: (field: string, message: string) => badInput('WORKSPACE_SETTING_INVALID', `${field} ${message}`, { field }),
  apiKeyNotFound: (id: string) => notFound('API_KEY_NOT_FOUND', 'ApiKey', id),
  apiKeyNameLength: () => badInput('API_KEY_NAME_LENGTH', 'name must be 1 to 200 characters', { field: 'name' }),
  apiKeyTooShort: () => badInput('API_KEY_TOO_SHORT', 'an API key must be at least 16 characters'),
};
