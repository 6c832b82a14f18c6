import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_CONTENT_SECURITY_POLICY, loadConsole } from './console-assets';

describe('loadConsole', () => {
  it('serves index.html at / uncached under the policy, hashed bundles for a year, and nothing else of the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'console-AB12.js'), 'x');
    writeFileSync(join(dir, '.sources'), 'stamp');
    writeFileSync(join(dir, 'notes.txt'), 'not served');
    const assets = loadConsole(dir)!;
    expect([...assets.keys()].sort()).toEqual(['/', '/console-AB12.js', '/index.html']);
    expect(assets.get('/')!.headers).toMatchObject({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': CONSOLE_CONTENT_SECURITY_POLICY, 'Content-Type': 'text/html; charset=utf-8' });
    expect(assets.get('/console-AB12.js')!.headers).toMatchObject({ 'Cache-Control': 'public, max-age=31536000, immutable', 'Content-Type': 'text/javascript; charset=utf-8' });
    expect(assets.get('/console-AB12.js')!.headers['Content-Security-Policy']).toBeUndefined();
  });

  it('is absent where the console is not built (the API runs without it)', () => {
    expect(loadConsole(undefined)).toBeNull();
    expect(loadConsole(mkdtempSync(join(tmpdir(), 'console-')))).toBeNull();
  });

  it('lets the page talk to its own server only', () => {
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)|https?:|\*/);
  });
});
