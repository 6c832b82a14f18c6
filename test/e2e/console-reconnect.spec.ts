/**
 * The console across a platform restart, as `npm start` runs it: the page stays open while the
 * platform stops (Ctrl-C: its members keep running) and starts again on the same home and port;
 * the console says it is reconnecting, then resumes the feed from the last revision it saw —
 * without a reload — and what happens after the restart reaches it live.
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@stratos/runtime';
import type { Page } from 'puppeteer-core';
import { chromiumPath, openBrowser, type TestBrowser } from '../support/browser';
import { deployKept, launchPlatform, type LaunchedPlatform } from '../support/launcher';

declare const document: any;
const chromium = chromiumPath("the console's reconnect test");

(chromium ? describe : describe.skip)('the console across a platform restart', () => {
  let home: string;
  let platform: LaunchedPlatform | null = null;
  let browser: TestBrowser;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'stratos-console-'));
    await chmod(home, 0o755); // PostgreSQL runs as another user
  });
  afterAll(async () => {
    await browser?.close();
    if (platform) {
      await platform.api('POST', '/applications/kept/undeploy?force=true').catch(() => undefined);
      await platform.stop();
    }
    await rm(home, { recursive: true, force: true });
  });

  it('says it is reconnecting while the platform is down, then resumes the feed without a reload', async () => {
    const port = String(await freePort());
    platform = await launchPlatform(home, { STRATOS_API_PORT: port });
    await deployKept(platform, 2);
    browser = await openBrowser(chromium!, { trustCert: await readFile(join(home, 'tls', 'cert.pem'), 'utf8') });
    const page: Page = browser.page;
    await page.goto(`${platform.url}/`);
    await page.type('input[name=username]', 'admin');
    await page.type('input[name=password]', /password=(.*)/.exec(await readFile(join(home, 'admin-credentials'), 'utf8'))![1]);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-feed=live]', { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-member][data-state=Active]').length === 2, { timeout: 30_000 });
    // A marker that a reload would lose: the page's own state.
    await page.evaluate(() => ((globalThis as any).stillTheSamePage = true));

    await platform.stop();
    platform = null;
    await page.waitForSelector('[data-feed=down]', { timeout: 30_000 });
    expect(await page.$eval('[data-feed]', (e: any) => e.textContent)).toMatch(/^reconnecting in \d+ s/);
    await browser.screenshot('reconnecting');

    platform = await launchPlatform(home, { STRATOS_API_PORT: port });
    await page.waitForSelector('[data-feed=live]', { timeout: 60_000 });
    // The members kept running and were adopted; the tree still shows them.
    expect(await page.$$eval('[data-member][data-state=Active]', (rows: any[]) => rows.length)).toBe(2);
    // What happens after the restart reaches the open page live: the undeploy empties the tree.
    expect((await platform.api('POST', '/applications/kept/undeploy')).status).toBe(202);
    await page.waitForFunction(() => document.querySelectorAll('[data-member]').length === 0, { timeout: 60_000 });
    expect(await page.evaluate(() => (globalThis as any).stillTheSamePage)).toBe(true);
    expect(browser.errors).toEqual([]);
  }, 240_000);
});
