import type { Clock } from '../../src/clock';

/** A clock the test sets and moves forward; the server under test reads it. */
export class TestClock implements Clock {
  private time: number;

  constructor(start: Date | string = '2026-06-01T00:00:00Z') {
    this.time = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  set(at: Date | string): void {
    this.time = new Date(at).getTime();
  }

  advanceDays(days: number): Date {
    this.time += days * 86_400_000;
    return this.now();
  }
}
