import { Channel, IdentityType, IngestKind } from '../graphql/enums';
import type { IngestEventInput } from '../modules/ingestion/ingestion.input';

/** A small deterministic PRNG (mulberry32), so a seed always yields the same data set. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = [
  ['Wang', '王'],
  ['Li', '李'],
  ['Zhang', '张'],
  ['Liu', '刘'],
  ['Chen', '陈'],
  ['Yang', '杨'],
  ['Huang', '黄'],
  ['Zhao', '赵'],
  ['Wu', '吴'],
  ['Zhou', '周'],
];
const GIVEN = [
  ['Wei', '伟'],
  ['Fang', '芳'],
  ['Na', '娜'],
  ['Min', '敏'],
  ['Jing', '静'],
  ['Lei', '磊'],
  ['Qiang', '强'],
  ['Yang', '洋'],
  ['Jie', '杰'],
  ['Xiu Ying', '秀英'],
];
const CITIES = ['Shanghai', 'Beijing', 'Shenzhen', 'Guangzhou', 'Hangzhou', 'Chengdu', 'Wuhan', 'Nanjing'];
const DOMAINS = ['qq.com', '163.com', 'gmail.com', 'outlook.com', 'sina.com'];
const PAGES = ['/', '/products', '/products/tea', '/cart', '/help', '/account'];
const CHANNELS = [Channel.WECHAT, Channel.APP, Channel.WEB_CHAT, Channel.SMS, Channel.PHONE, Channel.EMAIL];
const MOBILE_PREFIXES = ['135', '136', '137', '138', '139', '150', '151', '158', '186', '188'];

/** One generated person and the identifiers they use. */
export interface Person {
  n: number;
  email: string;
  phone: string;
  memberId: string;
  openId: string;
  traits: Record<string, unknown>;
}

export function person(n: number, rand: () => number): Person {
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
  const [surname, surnameZh] = pick(SURNAMES);
  const [given, givenZh] = pick(GIVEN);
  return {
    n,
    email: `${given.toLowerCase().replace(' ', '')}.${surname.toLowerCase()}${n}@${pick(DOMAINS)}`,
    phone: `+86${pick(MOBILE_PREFIXES)}${String(10_000_000 + n).slice(-8)}`,
    memberId: `M${String(n).padStart(8, '0')}`,
    openId: `o${((n * 2654435761) >>> 0).toString(36)}wx${n.toString(36)}`,
    traits: { firstName: givenZh, lastName: surnameZh, name: `${surnameZh}${givenZh}`, city: pick(CITIES), birthYear: 1960 + Math.floor(rand() * 45) },
  };
}

/**
 * Events for `customers` people: an identify, page views and orders each, over the last year. About
 * 3% of people first appear as two strangers (e-mail only, then phone only) whom a later event
 * links, so ingestion merges them.
 */
export function* seedEvents(customers: number, seed = 42, now = Date.now()): Generator<IngestEventInput> {
  const rand = random(seed);
  const day = 86_400_000;
  let message = 0;
  const id = () => `seed-${seed}-${++message}`;
  const linkLater: IngestEventInput[] = [];
  for (let n = 1; n <= customers; n++) {
    const p = person(n, rand);
    const at = (daysAgo: number) => new Date(now - daysAgo * day - Math.floor(rand() * day));
    const splits = rand() < 0.03;
    const first = 30 + Math.floor(rand() * 330);
    if (splits) {
      yield {
        messageId: id(),
        kind: IngestKind.IDENTIFY,
        identifiers: [{ type: IdentityType.EMAIL, value: p.email }],
        traits: p.traits,
        occurredAt: at(first),
        source: 'web',
      };
      yield {
        messageId: id(),
        kind: IngestKind.TRACK,
        event: 'page_viewed',
        identifiers: [{ type: IdentityType.PHONE, value: p.phone }],
        properties: { path: '/' },
        channel: Channel.APP,
        occurredAt: at(first - 1),
        source: 'app',
      };
    }
    const link: IngestEventInput = {
      messageId: id(),
      kind: IngestKind.IDENTIFY,
      identifiers: [
        { type: IdentityType.EMAIL, value: p.email },
        { type: IdentityType.PHONE, value: p.phone },
        { type: IdentityType.MEMBER_ID, value: p.memberId },
        ...(rand() < 0.6 ? [{ type: IdentityType.WECHAT_OPENID, value: p.openId }] : []),
      ],
      traits: p.traits,
      occurredAt: at(first - 2),
      source: 'crm',
    };
    // the split ones are linked at the end, once both halves exist as customers
    if (splits) linkLater.push(link);
    else yield link;
    const views = Math.floor(rand() * 4);
    for (let v = 0; v < views; v++) {
      yield {
        messageId: id(),
        kind: IngestKind.TRACK,
        event: 'page_viewed',
        identifiers: [{ type: splits ? IdentityType.PHONE : IdentityType.MEMBER_ID, value: splits ? p.phone : p.memberId }],
        properties: { path: PAGES[Math.floor(rand() * PAGES.length)] },
        channel: CHANNELS[Math.floor(rand() * CHANNELS.length)],
        occurredAt: at(Math.floor(rand() * first)),
        source: 'web',
      };
    }
    const orders = rand() < 0.7 ? 1 + Math.floor(rand() * 3) : 0;
    for (let o = 0; o < orders; o++) {
      const revenue = Math.round((50 + rand() * (rand() < 0.05 ? 60_000 : 3_000)) * 100) / 100;
      yield {
        messageId: id(),
        kind: IngestKind.TRACK,
        event: 'order_completed',
        revenue,
        identifiers: [{ type: splits ? IdentityType.EMAIL : IdentityType.PHONE, value: splits ? p.email : p.phone }],
        properties: { items: 1 + Math.floor(rand() * 4) },
        channel: CHANNELS[Math.floor(rand() * 3)],
        occurredAt: at(Math.floor(rand() * first)),
        source: 'shop',
      };
    }
  }
  yield* linkLater;
}
