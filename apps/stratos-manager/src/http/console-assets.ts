/**
 * The console (apps/console, built into dist/console) at `/`: its files read once at start (they
 * are small and change only with a build), index.html never cached and under a Content Security
 * Policy that lets the page load and talk to nothing but this server; the hashed bundles cached
 * for a year. Paths under /api and /metrics are never the console's.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from './raw-http';

export const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface Asset {
  body: Buffer;
  headers: Record<string, string>;
}

/** Answers a GET or HEAD with a file read at start. */
export function sendAsset(request: IncomingMessage, response: ServerResponse, asset: Asset): void {
  response.writeHead(200, { ...asset.headers, 'Content-Length': String(asset.body.length) });
  response.end(request.method === 'HEAD' ? undefined : asset.body);
}

/** Loads dist/console; null when it is not built (the API works without it; `/` says how to build it). */
export function loadConsole(dir: string | undefined): Map<string, Asset> | null {
  if (!dir || !existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const page = name === 'index.html';
    const asset: Asset = {
      body: readFileSync(join(dir, name)),
      headers: {
        'Content-Type': type,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': page ? 'no-cache' : 'public, max-age=31536000, immutable',
        ...(page ? { 'Content-Security-Policy': CONSOLE_CONTENT_SECURITY_POLICY, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' } : {}),
      },
    };
    assets.set(`/${name}`, asset);
    if (page) assets.set('/', asset);
  }
  return assets;
}

export function consoleAssets(dir: string | undefined) {
  const assets = loadConsole(dir);
  return (request: IncomingMessage, response: ServerResponse, next: () => void) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const path = pathOf(request);
    if (path.startsWith('/api') || path.startsWith('/metrics')) return next();
    const asset = assets?.get(path);
    if (!asset) {
      if (path === '/' && !assets) {
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end(`The console is not built here${dir ? ` (${dir})` : ''}: run npm run build. The API is under /api (OpenAPI: /api/docs).\n`);
        return;
      }
      return next();
    }
    sendAsset(request, response, asset);
  };
}
