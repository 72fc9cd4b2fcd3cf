/** Where the server reads the time. Tests give the server a clock they set, instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
