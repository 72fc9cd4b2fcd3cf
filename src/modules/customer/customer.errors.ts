import { notFound } from '../../errors';

/** Refusals about customers, for every module that names one. */
export const CustomerErrors = {
  notFound: (id: string) => notFound('CUSTOMER_NOT_FOUND', 'Customer', id),
};
