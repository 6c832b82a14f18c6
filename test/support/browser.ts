/**
 * A real browser for the console's tests: Debian's Chromium, headless, driven by puppeteer-core
 * (no browser download). It trusts exactly the test platform's certificate (by its public key),
 * records every response body (for "no secret rendered") and writes screenshots under
 * test/e2e/screenshots/ (not committed; CI keeps them in its output folder).
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { IN_CI } from './test-env';

export const SCREENSHOTS = join(process.cwd(), 'test', 'e2e', 'screenshots');

/** Chromium's path (CHROMIUM_PATH, else Debian's), or null with the reason printed (a failure in CI). */
export function chromiumPath(what: string): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p) && spawnSync(p, ['--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0);
  if (found) return found;
  const line = `SKIPPED ${what}: no Chromium (apt-get install -y chromium, or CHROMIUM_PATH); .ci/run installs it`;
  if (IN_CI) throw new Error(`${line}, and CI=true forbids skipping`);
  process.stdout.write(`${line}\n`);
  return null;
}

export interface TestBrowser {
  browser: Browser;
  page: Page;
  /** Every response body the page received (text), in order, with its URL. */
  responses: { url: string; body: string }[];
  /** The page's uncaught errors and what it logged as errors (not responses with an error status). */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** The base64 SHA-256 of a certificate's public key: what Chromium's --ignore-certificate-errors-spki-list takes. */
function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/**
 * Chromium abandons a navigation with net::ERR_NETWORK_CHANGED when the host's interfaces change
 * under it — Docker suites running beside the browser's add and remove bridges and veths. Every
 * page of this process (a browser context's too) navigates again once when that is why.
 */
function navigateAgainOnNetworkChange(page: Page): void {
  const prototype = Object.getPrototypeOf(page) as { goto: Page['goto']; __retriesNetworkChange?: true };
  if (prototype.__retriesNetworkChange) return;
  const goto = prototype.goto;
  prototype.goto = async function (this: Page, ...args: Parameters<Page['goto']>) {
    try {
      return await goto.apply(this, args);
    } catch (error) {
      if (!String((error as Error)?.message).includes('net::ERR_NETWORK_CHANGED')) throw error;
      return goto.apply(this, args);
    }
  };
  prototype.__retriesNetworkChange = true;
}

export async function openBrowser(executablePath: string, options: { trustCert?: string; width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<TestBrowser> {
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    // As root Chromium needs --no-sandbox; the test's own profile, nothing fetched at start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', ...(options.trustCert ? [`--ignore-certificate-errors-spki-list=${spkiHash(options.trustCert)}`] : [])],
    defaultViewport: { width: options.width ?? 1400, height: options.height ?? 900 },
  });
  const page = await browser.newPage();
  navigateAgainOnNetworkChange(page);
  if (options.colorScheme) await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: options.colorScheme }]);
  const responses: TestBrowser['responses'] = [];
  const errors: string[] = [];
  page.on('response', (response) => {
    const type = response.headers()['content-type'] ?? '';
    if (type.includes('event-stream')) return; // a stream never ends; its events are in the DOM checks
    response.text().then((body) => responses.push({ url: response.url(), body }), () => undefined);
  });
  // Errors of the page's own code; a response with an error status is the API's answer, which the views show.
  page.on('console', (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource') && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(String(error)));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    page,
    responses,
    errors,
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: false });
      return path;
    },
    close: () => browser.close(),
  };
}
