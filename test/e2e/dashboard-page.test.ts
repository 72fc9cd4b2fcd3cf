import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { Role } from '../../src/graphql/enums';
import { data } from '../support/client';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql') };

/** Debian's Chromium (`.ci/run` installs it); without it the test is skipped, saying why. */
function chromiumPath(): string | undefined {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const executablePath = chromiumPath();
const withBrowser = executablePath ? describe : describe.skip;
if (!executablePath) console.warn('dashboard page test skipped: no chromium on this machine (apt-get install chromium)');

withBrowser('the /dashboard page', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer();
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('connects with an API key and shows a new conversation without reloading', async () => {
    await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'Hotline', channels: ['PHONE'] } }));
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/dashboard/`);
    await page.fill('#key', await t.addKey(Role.AGENT));
    await page.click('button[type=submit]');
    const waiting = page.locator('#queues tr', { hasText: 'Hotline' }).locator('td').nth(1);
    await waiting.waitFor();
    expect(await waiting.textContent()).toBe('0');
    const conversations = page.locator('[data-figure=conversations] b');
    expect(await conversations.textContent()).toBe('0');

    await data(t.url, t.adminKey, op.OpenConversation({ input: { identifiers: [{ type: 'PHONE', value: '13900001234' }], channel: 'PHONE', body: '你好' } }));
    await page.waitForFunction(() => document.querySelector('[data-figure=conversations] b')?.textContent === '1', undefined, { timeout: 10_000 });
    expect(await waiting.textContent()).toBe('1');
    expect(await page.locator('#status').textContent()).toContain('live');
  }, 30_000);
});
