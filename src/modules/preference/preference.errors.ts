import { badInput } from '../../errors';

/** Refusals of preferences and consent. */
export const PreferenceErrors = {
  /** A preference that does not fit its field (`extensions.field` names it). */
  invalid: (field: string, message: string) => badInput('PREFERENCE_INVALID', `${field} ${message}`, { field }),
};
