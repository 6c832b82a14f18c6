import { describe, expect, it } from '@jest/globals';
import { loadApiDocsPage } from './api-docs-page';

describe('loadApiDocsPage', () => {
  const assets = loadApiDocsPage();

  it('serves the page at /api/docs (with or without the slash), and every file the page names, each with its type', () => {
    const page = assets.get('/api/docs')!.body.toString('utf8');
    expect(assets.get('/api/docs/')).toBe(assets.get('/api/docs'));
    const named = [...page.matchAll(/(?:href|src)="([^"]+)"/g)].map(([, path]) => path);
    expect(named.length).toBeGreaterThanOrEqual(4);
    for (const path of named) {
      expect(assets.get(path)?.body.length).toBeGreaterThan(0);
      expect(assets.get(path)!.headers['Content-Type']).toMatch(/^(text\/css|text\/javascript|image\/png)/);
    }
    expect(assets.get('/api/docs')!.headers['Content-Type']).toBe('text/html; charset=utf-8');
  });

  it('points Swagger UI at the OpenAPI document the API serves', () => {
    expect(assets.get('/api/docs/swagger-initializer.js')!.body.toString('utf8')).toContain("url: '/api/docs/json'");
  });

  it('serves nothing else of swagger-ui-dist', () => {
    expect(assets.has('/api/docs/swagger-ui-bundle.js.map')).toBe(false);
    expect(assets.has('/api/docs/json')).toBe(false);
  });
});
