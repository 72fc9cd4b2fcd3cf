import { inWindow, localMinuteOfDay, parseClockTime, windowEndAfter } from '../../../src/modules/preference/local-time.rules';

const hm = (text: string) => parseClockTime(text)!;
const endAfter = (at: string, zone: string, start: string, end: string) => windowEndAfter(new Date(at), zone, hm(start), hm(end)).toISOString();

describe('local time', () => {
  it('parses HH:MM and refuses anything else', () => {
    expect(parseClockTime('00:00')).toBe(0);
    expect(parseClockTime('23:59')).toBe(1439);
    for (const bad of ['24:00', '7:00', '07:60', '0700', '', '07:00:00']) expect(parseClockTime(bad)).toBeUndefined();
  });

  it('reads the local minute in a zone', () => {
    expect(localMinuteOfDay(new Date('2026-06-01T15:30:00Z'), 'Asia/Shanghai')).toBe(hm('23:30'));
    expect(localMinuteOfDay(new Date('2026-06-01T15:30:00Z'), 'America/New_York')).toBe(hm('11:30'));
  });

  it('tells windows that cross midnight from those that do not', () => {
    expect(inWindow(hm('23:00'), hm('22:00'), hm('08:00'))).toBe(true);
    expect(inWindow(hm('07:59'), hm('22:00'), hm('08:00'))).toBe(true);
    expect(inWindow(hm('08:00'), hm('22:00'), hm('08:00'))).toBe(false);
    expect(inWindow(hm('12:00'), hm('09:00'), hm('17:00'))).toBe(true);
    expect(inWindow(hm('17:00'), hm('09:00'), hm('17:00'))).toBe(false);
  });

  it('finds the end of a window that crosses midnight, before and after midnight', () => {
    expect(endAfter('2026-06-01T15:30:00Z', 'Asia/Shanghai', '22:00', '08:00')).toBe('2026-06-02T00:00:00.000Z');
    expect(endAfter('2026-06-01T23:00:00Z', 'Asia/Shanghai', '22:00', '08:00')).toBe('2026-06-02T00:00:00.000Z');
    expect(endAfter('2026-06-02T03:00:00Z', 'America/New_York', '22:00', '08:00')).toBe('2026-06-02T12:00:00.000Z');
  });

  it('ends at the jump when the end falls in the spring-forward gap', () => {
    // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT at 07:00Z; 02:30 never happens
    expect(endAfter('2026-03-08T06:00:00Z', 'America/New_York', '22:00', '02:30')).toBe('2026-03-08T07:00:00.000Z');
    // an end after the gap is simply in the new offset
    expect(endAfter('2026-03-08T06:00:00Z', 'America/New_York', '22:00', '08:00')).toBe('2026-03-08T12:00:00.000Z');
  });

  it('ends at the first 01:30 when the clocks fall back through it', () => {
    // New York, 1 November 2026: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:30 happens twice
    expect(endAfter('2026-11-01T04:30:00Z', 'America/New_York', '23:00', '01:30')).toBe('2026-11-01T05:30:00.000Z');
    // the repeated hour brings the window back: 01:00 EST to 01:30 EST is quiet again
    expect(endAfter('2026-11-01T06:10:00Z', 'America/New_York', '23:00', '01:30')).toBe('2026-11-01T06:30:00.000Z');
  });

  it('follows London into summer time', () => {
    // 29 March 2026: 01:00 GMT becomes 02:00 BST
    expect(endAfter('2026-03-28T23:00:00Z', 'Europe/London', '21:00', '08:00')).toBe('2026-03-29T07:00:00.000Z');
  });

  it('answers the instant itself when it is outside the window', () => {
    expect(endAfter('2026-06-01T04:00:00Z', 'Asia/Shanghai', '22:00', '08:00')).toBe('2026-06-01T04:00:00.000Z');
  });
});
