import { badInput, conflict, notFound } from '../../errors';

/** Refusals of reply templates. */
export const TemplateErrors = {
  notFound: (id: string) => notFound('TEMPLATE_NOT_FOUND', 'ReplyTemplate', id),
  /** A template field that does not fit (`extensions.field` names it). */
  invalid: (field: string, message: string) => badInput('TEMPLATE_INVALID', `${field} ${message}`, { field }),
  nameTaken: (name: string) => conflict('TEMPLATE_NAME_TAKEN', `A reply template named "${name}" exists`, { field: 'name' }),
};
