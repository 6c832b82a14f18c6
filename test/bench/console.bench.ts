/**
 * The console in a real browser (Debian's Chromium, headless), on a platform with N members (the
 * agents bench's simulated fleet on aedes: real controller, manager, broker and PostgreSQL, agents
 * reporting health once a second): first paint of the page, and the time from "Log in" until the
 * runtime tree shows all N members (the snapshot, the feed, the first render), then again on a
 * reload (the session kept). Beside it, from the same browser in the same run: the same members as
 * a static HTML table (no script: what the browser alone needs to show that many rows).
 */
import puppeteer from 'puppeteer-core';
import { chromiumPath } from '../support/browser';
import { runOne, type FleetPlatform } from './agents.bench';
import { percentile, table } from './stats';

const RUNS = 5;
// Callbacks given to page.evaluate and waitForFunction run in the page, with the page's globals.
declare const document: any;
declare const sessionStorage: any;
declare const requestAnimationFrame: (callback: () => void) => number;

async function measure(executablePath: string, platform: FleetPlatform): Promise<string[][]> {
  const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'], defaultViewport: { width: 1400, height: 900 } });
  try {
    const page = await browser.newPage();
    const firstPaints: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.goto(`${platform.url}/`, { waitUntil: 'load' });
      await page.waitForSelector('form[aria-label="Log in"]');
      firstPaints.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
    }
    const shown = `[data-testid=member-count]`;
    const allShown = (n: number) => page.waitForFunction((sel, count) => document.querySelector(sel)?.textContent?.includes(`${count} members`) && document.querySelectorAll('[data-member]').length > 0, { timeout: 120_000, polling: 'raf' }, shown, n);
    await page.type('input[name=username]', 'admin');
    await page.type('input[name=password]', platform.adminPassword);
    let t = performance.now();
    await page.click('button[type=submit]');
    await allShown(platform.agents);
    const afterLogin = performance.now() - t;
    const domRows = await page.evaluate(() => document.querySelectorAll('[data-member]').length);
    const reloads: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await page.reload({ waitUntil: 'domcontentloaded' });
      await allShown(platform.agents);
      reloads.push(performance.now() - t);
    }
    // Scrolling to the last member: the rows there are drawn (a virtualised list), and how long that takes.
    t = performance.now();
    await page.evaluate(() => {
      const tree = document.querySelector('.tree');
      tree.scrollTop = tree.scrollHeight;
    });
    await page.waitForFunction(() => {
      const tree = document.querySelector('.tree');
      const rows = [...document.querySelectorAll('[data-member]')];
      return rows.some((r: any) => r.offsetTop + 30 >= tree.scrollHeight - 60);
    }, { polling: 'raf', timeout: 10_000 });
    const scrolled = performance.now() - t;

    // The baseline: the same members as plain HTML, no script.
    const runtime = (await page.evaluate(async () => {
      const session = JSON.parse(sessionStorage.getItem('stratos.session')!);
      return (await fetch('/api/applications/fleet/runtime', { headers: { Authorization: `Bearer ${session.token}` } })).json();
    })) as { clusters: { members: { memberId: string; status: string; host: string | null; partitionId: string }[] }[] };
    const rows = runtime.clusters.flatMap((c) => c.members).map((m) => `<tr><td>${m.memberId}</td><td>${m.status}</td><td>${m.host ?? ''}</td><td>${m.partitionId}</td></tr>`).join('');
    const html = `<!doctype html><table><tbody>${rows}</tbody></table>`;
    const baseline: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await page.setContent(html, { waitUntil: 'load' });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(undefined))));
      baseline.push(performance.now() - t);
    }
    const ms = (values: number[]) => `${percentile([...values].sort((a, b) => a - b), 50).toFixed(0)} ms (max ${Math.max(...values).toFixed(0)})`;
    return [
      ['console: first contentful paint (login page)', ms(firstPaints), '—'],
      [`console: log in → ${platform.agents} members shown`, `${afterLogin.toFixed(0)} ms`, ms(baseline)],
      [`console: reload → ${platform.agents} members shown`, ms(reloads), ms(baseline)],
      ['console: scroll to the last member → drawn', `${scrolled.toFixed(0)} ms`, '—'],
      ['console: member rows in the DOM (virtualised)', `${domRows} of ${platform.agents}`, `${platform.agents} of ${platform.agents}`],
    ];
  } finally {
    await browser.close();
  }
}

export async function benchConsole(members = Number(process.env.BENCH_CONSOLE_MEMBERS ?? 1000)): Promise<string> {
  const executablePath = chromiumPath('the console bench');
  if (!executablePath) return 'Console: skipped (no Chromium)';
  let rows: string[][] = [];
  await runOne('aedes', members, 1, async (platform) => {
    rows = await measure(executablePath, platform);
  });
  return `The console in headless Chromium, ${members} members (simulated agents on aedes, health once a second each), p50 of ${RUNS} where repeated\n${table(['what', 'the console', 'baseline: the same members as static HTML, same browser'], rows)}`;
}
