import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

/**
 * The key that seals signing secrets at rest: HKDF-SHA256 of `CDP_WEBHOOK_KEY` (read once, at load);
 * without it, of a fixed label, which only keeps secrets out of plain sight in a dump: set the
 * variable in production (README, Webhooks).
 */
const KEY = Buffer.from(hkdfSync('sha256', process.env.CDP_WEBHOOK_KEY ?? 'cdp-webhook-default-key', 'cdp', 'webhook secrets', 32));

/** AES-256-GCM: iv, tag and ciphertext, base64url, dot-separated. */
export function seal(secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', KEY, iv);
  const text = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), text].map((part) => part.toString('base64url')).join('.');
}

export function unseal(sealed: string): string {
  const [iv, tag, text] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', KEY, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(text), decipher.final()]).toString('utf8');
}

export const newSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`;

/**
 * The signature a receiver checks, as Stripe signs: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" with the secret>`, sent as X-Cdp-Signature.
 */
export const signature = (secret: string, timestamp: number, body: string): string =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** Addresses a webhook may not reach unless the workspace allows private ones: loopback, private, link-local (metadata), CGNAT, unspecified, multicast. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['::ffff:0:0', 96],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

export const isPrivateAddress = (address: string): boolean => {
  const family = isIP(address);
  return family === 0 || PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

/** Seconds before the n-th retry (n from 1): exponential from 30 s, at most 2 h, with up to 20% jitter. */
export const backoffSeconds = (attempt: number, jitter = Math.random()): number => Math.min(30 * 2 ** (attempt - 1), 7200) * (1 + 0.2 * jitter);

/** Retried for this long after the first attempt; deliveries are kept 7 days; this many failures in a row pause a webhook. */
export const RETRY_HOURS = 24;
export const KEEP_DAYS = 7;
export const PAUSE_AFTER_FAILURES = 10;
