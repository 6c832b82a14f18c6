/**
 * Swagger UI at /api/docs, reading the OpenAPI document at /api/docs/json: swagger-ui-dist's
 * files read once at start and served here (Nest's own way on Fastify needs @fastify/static,
 * whose current release cannot be loaded by the test runner on Node 20).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';
import { sendAsset, TYPES, type Asset } from './console-assets';
import { pathOf } from './raw-http';

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Stratos cartridge orchestrator: API</title>
    <link rel="stylesheet" type="text/css" href="/api/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/api/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/api/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

/** The page's script (a file, not inline): the document, and the token given with Authorize kept across reloads. */
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/api/docs/json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

const DIST_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png'];

export function loadApiDocsPage(distDir = getAbsoluteFSPath()): Map<string, Asset> {
  const asset = (name: string, body: Buffer): Asset => ({ body, headers: { 'Content-Type': TYPES[extname(name)], 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' } });
  const assets = new Map<string, Asset>();
  const page = asset('index.html', Buffer.from(PAGE));
  for (const path of ['/api/docs', '/api/docs/', '/api/docs/index.html']) assets.set(path, page);
  assets.set('/api/docs/swagger-initializer.js', asset('swagger-initializer.js', Buffer.from(INITIALIZER)));
  for (const name of DIST_FILES) assets.set(`/api/docs/${name}`, asset(name, readFileSync(join(distDir, name))));
  return assets;
}

export function apiDocsPage() {
  const assets = loadApiDocsPage();
  return (request: IncomingMessage, response: ServerResponse, next: () => void) => {
    const asset = request.method === 'GET' || request.method === 'HEAD' ? assets.get(pathOf(request)) : undefined;
    if (asset) sendAsset(request, response, asset);
    else next();
  };
}
