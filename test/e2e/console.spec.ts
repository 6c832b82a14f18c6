/**
 * The console in a real browser (Debian's Chromium, headless), as an operator uses it: log in,
 * see the imported definitions, refuse a bad one with the error at its field, deploy the hello
 * sample and watch it go Active, see a killed member Lost and its replacement Active, undeploy.
 * Screenshots of each step go to test/e2e/screenshots/. No secret reaches the page: its DOM and
 * every response it received are scanned for the database's generated password and the admin's.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxAvailable } from '@stratos/iaas';
import type { ElementHandle, Page } from 'puppeteer-core';
import { chromiumPath, openBrowser, SCREENSHOTS, type TestBrowser } from '../support/browser';
import { zipFolder } from '../../apps/cli/src/commands/import.command';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { runCli, ROOT } from '../support/cli';
import { memberFiles } from '../support/member-files';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { IN_CI } from '../support/test-env';

// Callbacks given to page.evaluate and waitFor* run in the page, where `document` is the page's.
declare const document: any;
declare const sessionStorage: any;
declare const TextDecoderStream: any;
declare const getComputedStyle: (element: unknown) => { backgroundColor: string; color: string };

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
function helloRunsHere(): boolean {
  const reason = !has('haproxy') ? "Debian's haproxy package" : !sandboxAvailable() ? 'bubblewrap that runs here' : null;
  if (reason) {
    const line = `SKIPPED the console's deploy steps: no ${reason} for the hello sample's local members; .ci/run installs it`;
    if (IN_CI) throw new Error(`${line}, and CI=true forbids skipping`);
    process.stdout.write(`${line}\n`);
  }
  return !reason;
}
const chromium = chromiumPath("the console's browser tests");

/** Waits for a selector to match, with what it waited for in the failure. */
async function shown(page: Page, selector: string, what: string, timeoutMs = 30_000): Promise<ElementHandle> {
  try {
    return (await page.waitForSelector(selector, { timeout: timeoutMs, visible: true }))!;
  } catch (error) {
    const text = await page.evaluate(() => document.body.innerText.slice(0, 2000)).catch(() => '');
    throw new Error(`the console did not show ${what} (${selector}) within ${timeoutMs} ms: ${(error as Error).message}\nthe page said:\n${text}`);
  }
}
// The element with that text once it can be clicked: a button rendered disabled (Undeploy before the
// page has read the deployment) ignores a click, and nothing would happen after it.
const clickText = async (page: Page, selector: string, text: string) => {
  const handle = await page.waitForFunction((sel, t) => [...document.querySelectorAll(sel)].find((e: any) => e.textContent?.trim() === t && !e.disabled) ?? null, { timeout: 20_000 }, selector, text);
  await (handle as ElementHandle<any>).click();
};

(chromium ? describe : describe.skip)('the console in a browser', () => {
  let platform: TestPlatform;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', tls: true, memberStartTimeoutMs: 90_000, docker: 'off' });
    browser = await openBrowser(chromium!, { trustCert: platform.tls!.cert });
    page = browser.page;
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('serves the console at / with a policy that loads nothing from elsewhere, and the API beside it', async () => {
    const response = await page.goto(`${platform.url}/`, { waitUntil: 'networkidle0' });
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(response!.headers()['content-security-policy']).toContain("connect-src 'self'");
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    expect(loaded.filter((url) => !url.startsWith(platform.url))).toEqual([]);
    await shown(page, 'form[aria-label="Log in"]', 'the login form');
    // Its bundle is cached for good (its name is its hash); a path that is not the console's is the API's 404; the API is as it was.
    const bundle = loaded.find((url) => /\/console-[A-Z0-9]+\.js$/.test(url))!;
    expect(await page.evaluate(async (url) => (await fetch(url)).headers.get('cache-control'), bundle)).toContain('immutable');
    expect(await page.evaluate(async () => (await fetch('/console-none.js')).status)).toBe(404);
    expect((await platform.api('GET', '/health', { token: null })).status).toBe(200);
  });

  it('refuses a wrong password with the API’s message, then logs in', async () => {
    await page.type('input[name=username]', 'admin');
    await page.type('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    const alert = await shown(page, '[role=alert]', 'the refusal');
    expect(await alert.evaluate((e) => e.textContent)).toMatch(/^401: /);
    await browser.screenshot('01-login-refused');
    await page.$eval('input[name=password]', (e) => ((e as any).value = ''));
    await page.type('input[name=password]', platform.adminPassword);
    await page.click('button[type=submit]');
    await shown(page, '[data-feed=live]', 'the live feed');
    await browser.screenshot('02-logged-in');
  });

  it("imports the project's samples folder (a zip) with the CLI's result table, through POST /api/import", async () => {
    const zip = join(platform.home, 'samples.zip');
    writeFileSync(zip, zipFolder(join(ROOT, 'samples')));
    await page.goto(`${platform.url}/#/definitions/import`);
    const input = (await shown(page, 'input[aria-label="A zip of the folder"]', 'the zip input')) as ElementHandle<any>;
    await input.uploadFile(zip);
    await page.select('select[aria-label="Flavour"]', 'local');
    await clickText(page, 'button', 'Import (1 file)');
    // The summary, or the error that stopped the import: said at once, not after the wait.
    const summary = await shown(page, '[data-import-summary], [role=alert]', 'the import summary', 60_000);
    if (!(await summary.evaluate((e: any) => 'importSummary' in e.dataset))) throw new Error(`the import stopped: ${await summary.evaluate((e: any) => e.textContent)}`);
    expect(await summary.evaluate((e: any) => e.dataset.importSummary)).toMatch(/^\d+ created, 0 skipped, 0 refused$/);
    const rows = await page.$$eval('[data-outcome]', (cells: any[]) => cells.map((c) => c.closest('tr').innerText.replace(/\s+/g, ' ')));
    expect(rows).toEqual(expect.arrayContaining([expect.stringMatching(/cartridges\/common\/hello-db\/cartridge\.json cartridge hello-db .*created bundle \d+\.\d KiB/)]));
    await browser.screenshot('03-imported');
    // The same endpoint the CLI uses: what exists is skipped.
    const again = await runCli(['import', join(ROOT, 'samples'), '--iaas', 'local', '--json'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CA_CERT: join(platform.home, 'tls', 'cert.pem') } });
    expect(JSON.parse(again.stdout).summary).toMatchObject({ created: 0, refused: 0 });
  }, 120_000);

  it('lists the imported cartridges, and shows a refused edit at the line of its field', async () => {
    await page.goto(`${platform.url}/#/definitions/cartridges`);
    await clickText(page, 'td strong', 'hello-web');
    const editor = await shown(page, '[data-testid=definition-editor] textarea', "hello-web's JSON");
    const text = await editor.evaluate((e) => (e as any).value);
    expect(JSON.parse(text).type).toBe('hello-web');
    // A category the schema does not allow.
    const broken = JSON.stringify({ ...JSON.parse(text), category: 42 }, null, 2);
    await editor.evaluate((e, value) => {
      const area = e as any;
      area.value = value;
      area.dispatchEvent(new Event('input', { bubbles: true }));
    }, broken);
    await clickText(page, 'button', 'Save');
    const alert = await shown(page, '.error[role=alert] li', 'the refusal at its pointer');
    expect(await alert.evaluate((e) => e.textContent)).toContain('/category');
    const marked = await page.$$eval('.gutter .mark-error', (lines) => lines.map((l: any) => Number(l.textContent)));
    expect(marked.map((n) => broken.split('\n')[n - 1])).toEqual([expect.stringContaining('"category": 42')]);
    await browser.screenshot('04-definition-refused');
    // Nothing changed on the server.
    expect((await platform.api('GET', '/cartridges/hello-web')).body.category).not.toBe(42);
  });

  (helloRunsHere() ? it : it.skip)('deploys hello, shows it Active, a killed member Lost and its replacement Active, and undeploys', async () => {
    await page.goto(`${platform.url}/#/applications/hello`);
    await page.waitForFunction(() => [...document.querySelectorAll('select[aria-label="Application policy"] option')].some((o: any) => o.textContent === 'single-machine'), { timeout: 20_000 });
    await page.select('select[aria-label="Application policy"]', 'single-machine');
    await clickText(page, 'button', 'Deploy');
    await shown(page, '[data-operation][data-status=succeeded]', 'the deploy succeeded', 120_000);
    await browser.screenshot('05-deployed-timeline');

    await page.goto(`${platform.url}/#/runtime`);
    await page.waitForFunction(() => document.querySelectorAll('[data-member][data-state=Active]').length === 4, { timeout: 30_000 });
    await browser.screenshot('06-runtime-active');

    const web = (await platform.runtime('hello')).clusters.find((c) => c.alias === 'hello-web')!.members;
    const victim = web[0];
    memberFiles('local', platform.home, []).kill(victim);
    // The victim's own history (kept after it is gone) says it was Lost, and why; a new member takes its place.
    await page.goto(`${platform.url}/#/runtime/${victim.memberId}`);
    await shown(page, `[data-panel-member="${victim.memberId}"] [data-transition="Active→Lost"]`, 'the victim turning Lost', 60_000);
    const reason = await page.$eval(`[data-panel-member="${victim.memberId}"] [data-transition="Active→Lost"] .reason`, (e) => e.textContent);
    expect(reason).toMatch(/gone|exited|silent/);
    await page.waitForFunction((gone) => {
      const rows = [...document.querySelectorAll('[data-member]')];
      return rows.length === 4 && rows.every((r: any) => r.getAttribute('data-state') === 'Active') && !rows.some((r: any) => r.getAttribute('data-member') === gone);
    }, { timeout: 90_000 }, victim.memberId);
    await browser.screenshot('07-member-replaced');

    // A web member migrated to the other slot from its panel: its progress shown until Done.
    const [mover] = (await platform.runtime('hello')).clusters.find((c) => c.alias === 'hello-web')!.members;
    await page.goto(`${platform.url}/#/runtime/${mover.memberId}`);
    const target = mover.partitionId === 'slot-a' ? 'slot-b' : 'slot-a';
    await page.waitForFunction((t) => [...document.querySelectorAll('select[aria-label="Target partition"] option')].some((o: any) => o.value.endsWith(`/${t}`)), { timeout: 20_000 }, target);
    const value = await page.$eval('select[aria-label="Target partition"]', (select: any, t) => [...select.options].find((o: any) => o.value.endsWith(`/${t}`)).value, target);
    await page.select('select[aria-label="Target partition"]', value);
    await clickText(page, 'button', 'Migrate');
    await shown(page, '[data-migration][data-phase=Done]', 'the migration Done', 120_000);
    expect((await platform.runtime('hello')).clusters.find((c) => c.alias === 'hello-web')!.members.find((m) => m.memberId === mover.memberId)?.partitionId).toBe(target);
    await browser.screenshot('08-member-migrated');

    // The regions this controller runs: the local one answers, with the members there.
    await page.goto(`${platform.url}/#/regions`);
    await page.waitForFunction(() => [...document.querySelectorAll('td strong')].some((e: any) => e.textContent === 'default'), { timeout: 20_000 });

    // No secret reached the page: not the database's generated password, nor the admin's.
    const dbMember = (await platform.runtime('hello')).clusters.find((c) => c.alias === 'hello-db')!.members[0];
    const dbPassword = (memberFiles('local', platform.home, [{ clusterId: 'hello.hello-db', id: 'pgdata', mappingPath: '/pgdata' }]).read(dbMember, '/pgdata/password') ?? '').trim();
    expect(dbPassword).toMatch(/^[0-9a-f]{48}$/);
    await page.goto(`${platform.url}/#/runtime/${dbMember.memberId}`);
    await clickText(page, 'button', 'Metadata');
    await shown(page, 'pre.scroll', "the database member's metadata");
    const dom = await page.evaluate(() => document.documentElement.outerHTML);
    // The feed the page reads (a stream the response log cannot hold): read here, from the first revision, with health.
    const feed = await page.evaluate(async () => {
      const { token } = JSON.parse(sessionStorage.getItem('stratos.session'));
      const response = await fetch('/api/topology/events?since=0&health=true', { headers: { Authorization: `Bearer ${token}` } });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      // Health batches come every few seconds, after the stored events are replayed: read until both are seen (or 30 s).
      const until = Date.now() + 30_000;
      while (Date.now() < until && !(text.includes('event: MemberCreated') && text.includes('event: MemberHealth'))) {
        const next = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), until - Date.now()))]);
        if (!next || next.done) break;
        text += next.value;
      }
      await reader.cancel();
      return text;
    });
    expect(feed).toContain('event: MemberCreated');
    expect(feed).toContain('event: MemberHealth');
    for (const secret of [dbPassword, platform.adminPassword]) {
      expect(dom).not.toContain(secret);
      expect(feed).not.toContain(secret);
      expect(browser.responses.filter((r) => r.body.includes(secret)).map((r) => r.url)).toEqual([]);
    }

    await page.goto(`${platform.url}/#/applications/hello`);
    await clickText(page, 'button', 'Undeploy');
    await shown(page, '[data-operation][data-status=succeeded]', 'the undeploy succeeded', 120_000);
    await page.goto(`${platform.url}/#/runtime`);
    await page.waitForFunction(() => document.querySelectorAll('[data-member]').length === 0, { timeout: 30_000 });
    expect(browser.errors).toEqual([]);
  }, 300_000);

  it('shows a cluster in a crash loop with its last reason, and can show only such clusters', async () => {
    // Two clusters of one application: one runs, the other's start command fails each time.
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-crash', partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy({ id: 'asp-crash' }));
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-crash', networkPartitions: [{ id: 'np-crash', partitions: [{ id: 'p-1', partitionMax: 5 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-crash', networkPartitions: ['np-crash'] }));
    for (const [type, start] of [['calm', 'exec sleep 3600'], ['crasher', 'echo "no config" >&2; exit 3']]) {
      await platform.post('/cartridges', aCartridge({ type, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'any' }], property: [{ name: 'payload_parameter.START_COMMAND', value: start }] }));
    }
    const subscription = (type: string) => aSubscription(type, `${type}-1`, { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: `${type}-1`, autoscalingPolicy: 'asp-crash', deploymentPolicy: 'dp-crash' } });
    await platform.post('/applications', anApplication({ applicationId: 'crashing', components: { cartridges: [subscription('calm'), subscription('crasher')] } }));
    await platform.post('/applications/crashing/deploy/ap-crash', undefined, 202);

    await page.goto(`${platform.url}/#/runtime`);
    const button = await shown(page, '[data-testid=crash-loops]', 'how many clusters are in a crash loop', 60_000);
    expect(await button.evaluate((e: any) => e.textContent)).toMatch(/^1 cluster in a crash loop · show only these$/);
    const clusterRows = () => page.$$eval('.row-cluster', (rows: any[]) => rows.map((r) => r.textContent as string));
    await page.waitForFunction(() => [...document.querySelectorAll('.row-cluster')].some((r: any) => r.textContent.includes('calm-1')), { timeout: 30_000 });
    const looping = (await clusterRows()).find((text) => text.includes('crasher-1'));
    expect(looping).toMatch(/crash loop: \d+ in a row, the next launch at .+ — .+/);
    await browser.screenshot('09-crash-loop');

    // Only the clusters in a crash loop: the calm one is left out, and back with "show all".
    await button.click();
    await page.waitForFunction(() => document.querySelector('[data-testid=crash-loops]')?.getAttribute('aria-pressed') === 'true', { timeout: 10_000 });
    await page.waitForFunction(() => ![...document.querySelectorAll('.row-cluster')].some((r: any) => r.textContent.includes('calm-1')), { timeout: 10_000 });
    expect((await clusterRows()).map((text) => text.includes('crasher-1'))).toEqual([true]);
    await platform.post('/applications/crashing/undeploy', undefined, 202);
    await shown(page, '.tree p.muted', 'no cluster in a crash loop once undeployed', 60_000);
    expect(await page.$eval('.tree p.muted', (e: any) => e.textContent)).toBe('No cluster is in a crash loop now.');
    await clickText(page, '[data-testid=crash-loops]', '0 clusters in a crash loop · show all');
    await page.waitForFunction(() => document.querySelector('[data-testid=crash-loops]') === null, { timeout: 10_000 });
    await until('crashing undeployed', async () => (await platform.api('GET', '/applications/crashing/runtime')).status === 404, 60_000);
    expect(browser.errors).toEqual([]);
  }, 180_000);

  it('is usable with the keyboard alone, and readable in the dark theme', async () => {
    const context = await browser.browser.createBrowserContext();
    const keyboardPage = await context.newPage();
    await keyboardPage.setViewport({ width: 1400, height: 900 });
    await keyboardPage.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await keyboardPage.goto(`${platform.url}/`);
    await shown(keyboardPage, 'input[name=username]', 'the login form');
    // The user field has the focus; Tab to the password, Enter submits.
    expect(await keyboardPage.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('username');
    await keyboardPage.keyboard.type('admin');
    await keyboardPage.keyboard.press('Tab');
    await keyboardPage.keyboard.type(platform.adminPassword);
    await keyboardPage.keyboard.press('Enter');
    await shown(keyboardPage, '[data-feed=live]', 'the live feed');
    // Every section is a link reached with Tab; Enter follows it.
    const tabsTo = async (selector: string) => {
      for (let i = 0; i < 40; i++) {
        await keyboardPage.keyboard.press('Tab');
        if (await keyboardPage.evaluate((sel) => document.activeElement?.matches(sel), selector)) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabsTo('nav a[href="#/definitions"]');
    await keyboardPage.keyboard.press('Enter');
    await shown(keyboardPage, 'nav.tabs', 'the definitions');
    await tabsTo('tr.clickable');
    await keyboardPage.keyboard.press('Enter');
    await shown(keyboardPage, '[data-testid=definition-editor] textarea', 'a definition opened with Enter');
    // Dark: the system's preference is followed — light text on a dark page.
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    const colours = await keyboardPage.evaluate(() => ({ background: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color }));
    expect(luminance(colours.background)).toBeLessThan(0.2);
    expect(luminance(colours.text)).toBeGreaterThan(0.8);
    await keyboardPage.screenshot({ path: join(SCREENSHOTS, '10-dark-definition.png') });
    await context.close();
  });

  (helloRunsHere() ? it : it.skip)("shows a tenant's admin its sign-ups, domains, members and events, and nothing of another tenant's", async () => {
    for (const [domain, admin] of [['acme.example', 'boss'], ['globex.example', 'hank']]) {
      await platform.post('/tenants', { tenantDomain: domain, admin, adminPassword: `${admin}-tenant-password`, email: `${admin}@${domain}`, firstName: admin, lastName: 'Admin' });
    }
    await platform.post('/applications/tenant-sites/deploy/single-machine', undefined, 202);
    await until('tenant-sites Active', async () => (await platform.api('GET', '/applications/tenant-sites/runtime')).body?.status === 'Active', 120_000);
    // The other tenant signs up and maps its domain through the API.
    const globex = (await platform.api('POST', '/tokens', { body: { username: 'hank@globex.example', password: 'hank-tenant-password' }, token: null })).body.token as string;
    expect((await platform.api('POST', '/applications/tenant-sites/signup', { body: {}, token: globex })).status).toBe(201);
    expect((await platform.api('POST', '/applications/tenant-sites/domainMappings', { body: { domainMappings: [{ cartridgeAlias: 'tenant-web', domainName: 'globex.example' }] }, token: globex })).status).toBe(201);

    // ACME's admin, in a browser session of its own.
    const context = await browser.browser.createBrowserContext();
    const tenantPage = await context.newPage();
    await tenantPage.setViewport({ width: 1400, height: 900 });
    const seen: string[] = [];
    tenantPage.on('response', (response) => void response.text().then((body) => seen.push(body), () => undefined));
    await tenantPage.goto(`${platform.url}/`);
    await tenantPage.type('input[name=username]', 'boss@acme.example');
    await tenantPage.type('input[name=password]', 'boss-tenant-password');
    await tenantPage.click('button[type=submit]');
    await shown(tenantPage, '[data-signup-application="tenant-sites"][data-signup-status=none]', 'tenant-sites, not signed up yet');
    await clickText(tenantPage, 'button', 'Sign up');
    await shown(tenantPage, '[data-signup-application="tenant-sites"][data-signup-status=Active]', 'the sign-up Active', 60_000);
    await tenantPage.type('input[aria-label="Domain for tenant-sites"]', 'www.acme.example');
    await tenantPage.type('input[aria-label="Cartridge alias for tenant-sites"]', 'tenant-web');
    await clickText(tenantPage, 'button', 'Map domain');
    await shown(tenantPage, '[data-domain="www.acme.example"]', 'its domain mapped');
    await tenantPage.screenshot({ path: join(SCREENSHOTS, '09-tenant-signups.png') });
    // Its members: the deployment it signed up to; its events: its own sign-up's, not the other tenant's.
    await tenantPage.goto(`${platform.url}/#/runtime`);
    await tenantPage.waitForFunction(() => document.querySelectorAll('[data-member][data-state=Active]').length >= 2, { timeout: 30_000 });
    await tenantPage.goto(`${platform.url}/#/events`);
    const dom = await tenantPage.evaluate(() => document.documentElement.outerHTML);
    expect(dom).not.toContain('globex');
    expect(seen.filter((body) => body.includes('globex')).length).toBe(0);
    await context.close();
  }, 300_000);
});
