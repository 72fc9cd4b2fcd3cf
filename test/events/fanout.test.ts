import pino from 'pino';
import { Fanout, isListenable, type Listenable } from '../../src/events/fanout';

type Topics = { NEWS: { ws: string; n: number } };
const log = pino({ level: 'silent' });

describe('the in-process fan-out', () => {
  it('hands each subscriber the same message object, only the ones its filter keeps, in order', async () => {
    const fanout = new Fanout<Topics>(log);
    const mine = fanout.subscribe('NEWS', (m) => m.ws === 'a');
    const all = fanout.subscribe('NEWS');
    const first = { ws: 'a', n: 1 };
    fanout.publish('NEWS', first);
    fanout.publish('NEWS', { ws: 'b', n: 2 });
    fanout.publish('NEWS', { ws: 'a', n: 3 });
    expect((await mine.next()).value).toBe(first);
    expect((await all.next()).value).toBe(first);
    expect((await mine.next()).value).toEqual({ ws: 'a', n: 3 });
    expect([(await all.next()).value.n, (await all.next()).value.n]).toEqual([2, 3]);
  });

  it('ends a subscriber waiting for its next message at once when it returns, and stops delivering to it', async () => {
    const fanout = new Fanout<Topics>(log);
    const sub = fanout.subscribe('NEWS');
    const waiting = sub.next();
    await sub.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    fanout.publish('NEWS', { ws: 'a', n: 1 });
    expect(await sub.next()).toEqual({ done: true, value: undefined });
  });

  it('hands a listening subscriber the messages its filter keeps as they are published, those waiting first, until it returns', async () => {
    const fanout = new Fanout<Topics>(log);
    const sub = fanout.subscribe('NEWS', (m) => m.ws === 'a');
    fanout.publish('NEWS', { ws: 'a', n: 1 });
    const heard: number[] = [];
    expect(isListenable(sub)).toBe(true);
    (sub as unknown as Listenable<Topics['NEWS']>).listen((m) => heard.push(m.n));
    expect(heard).toEqual([1]);
    fanout.publish('NEWS', { ws: 'b', n: 2 });
    fanout.publish('NEWS', { ws: 'a', n: 3 });
    expect(heard).toEqual([1, 3]);
    await sub.return!();
    fanout.publish('NEWS', { ws: 'a', n: 4 });
    expect(heard).toEqual([1, 3]);
  });

  it('keeps at most 10,000 waiting messages for a subscriber that does not read, dropping the oldest', async () => {
    const fanout = new Fanout<Topics>(log);
    const slow = fanout.subscribe('NEWS');
    for (let n = 1; n <= 10_005; n++) fanout.publish('NEWS', { ws: 'a', n });
    expect((await slow.next()).value.n).toBe(6);
  });
});
