import { badRequest, forbidden } from '../../errors';

/** Refusals of Segment's HTTP Tracking API (`/v1/*`), answered 400 as Segment answers them, or 403. */
export const IntakeErrors = {
  notJson: (detail: string) => badRequest('INTAKE_NOT_JSON', `The body is not valid JSON: ${detail}`),
  requestTooLarge: (maxBytes: number) => badRequest('INTAKE_REQUEST_TOO_LARGE', `A request holds at most ${maxBytes / 1024} KB`),
  eventTooLarge: (index: number | null, maxBytes: number) =>
    badRequest('INTAKE_EVENT_TOO_LARGE', `${index === null ? 'The call' : `Event ${index} of the batch`} is larger than ${maxBytes / 1024} KB`),
  notAnObject: () => badRequest('INTAKE_NOT_AN_OBJECT', 'The body must be a JSON object'),
  batchNotAList: () => badRequest('INTAKE_BATCH_NOT_A_LIST', 'A batch body needs "batch": a list of calls'),
  unknownType: (index: number, type: unknown) =>
    badRequest('INTAKE_UNKNOWN_TYPE', `Event ${index} of the batch has type ${JSON.stringify(type)}; known: identify, track, page, screen, group, alias`),
  writeOnly: () => forbidden('INTAKE_FORBIDDEN', "Segment's API takes an INGEST or ADMIN key as its write key"),
};
