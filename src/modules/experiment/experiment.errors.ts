import { badInput, conflict, notFound } from '../../errors';

/** Refusals of experiments. */
export const ExperimentErrors = {
  notFound: (id: string) => notFound('EXPERIMENT_NOT_FOUND', 'Experiment', id),
  invalid: (field: string, message: string) => badInput('EXPERIMENT_INVALID', `${field} ${message}`, { field }),
  status: (id: string, status: string, needed: string) => conflict('EXPERIMENT_STATUS', `experiment ${id} is ${status}; this needs it ${needed}`, { status }),
  unknownWinner: (winner: string) => badInput('EXPERIMENT_UNKNOWN_WINNER', `${winner} is not a variant of this experiment`, { field: 'winner' }),
};
